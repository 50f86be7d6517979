//! Login rate limits: per account and per client address, in PostgreSQL so
//! that they hold across instances; 429 problem+json with `Retry-After`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD, assert_problem};

async fn limited(account: u32, address: u32, window_secs: u32) -> TestApp {
    TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT".into(),
            account.to_string(),
        );
        env.insert(
            "FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS".into(),
            address.to_string(),
        );
        env.insert("FOLIO_LOGIN_WINDOW_SECS".into(), window_secs.to_string());
    })
    .await
}

async fn assert_429(res: reqwest::Response, window_secs: u64) {
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window_secs).contains(&retry), "Retry-After {retry}");
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn too_many_failures_for_one_account_are_429_even_with_the_right_password() {
    let app = limited(3, 1_000, 600).await;
    let (_, other) = app.insert_user("author").await;
    for _ in 0..3 {
        assert_problem(app.login(ADMIN_EMAIL, "wrong-password").await, 401).await;
    }
    assert_429(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 600).await;
    assert_429(
        app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await,
        600,
    )
    .await;
    // Other accounts are not affected.
    assert_eq!(app.login(&other, USER_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn unknown_emails_are_limited_exactly_like_real_ones() {
    let app = limited(2, 1_000, 600).await;
    let mut answers = Vec::new();
    for email in ["nobody@example.com", ADMIN_EMAIL] {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(app.login(email, "wrong-password").await.status().as_u16());
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], [401, 401, 429]);
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn too_many_failures_from_one_address_are_429_whatever_the_account() {
    let app = limited(1_000, 4, 600).await;
    for i in 0..4 {
        let email = format!("guess{i}@example.com");
        assert_problem(app.login(&email, "wrong-password").await, 401).await;
    }
    assert_429(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 600).await;
}

#[tokio::test]
async fn successful_logins_use_up_no_allowance() {
    let app = limited(2, 3, 600).await;
    for _ in 0..6 {
        assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    }
    assert_problem(app.login(ADMIN_EMAIL, "wrong-password").await, 401).await;
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    assert_problem(app.login(ADMIN_EMAIL, "wrong-password").await, 401).await;
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_limit_holds_across_instances_sharing_the_database() {
    let app = limited(3, 1_000, 600).await;
    let second = folio::startup::Application::build(app.config.clone())
        .await
        .unwrap();
    let second_base = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let login_second = |password: &'static str| {
        app.client
            .post(format!("{second_base}/api/v1/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": password}))
            .send()
    };
    assert_problem(app.login(ADMIN_EMAIL, "wrong-1").await, 401).await;
    assert_problem(login_second("wrong-2").await.unwrap(), 401).await;
    assert_problem(app.login(ADMIN_EMAIL, "wrong-3").await, 401).await;
    assert_429(login_second(ADMIN_PASSWORD).await.unwrap(), 600).await;
    assert_429(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 600).await;
}

#[tokio::test]
async fn the_limit_lifts_when_the_window_ends() {
    let app = limited(2, 1_000, 2).await;
    for _ in 0..2 {
        assert_problem(app.login(ADMIN_EMAIL, "wrong-password").await, 401).await;
    }
    assert_429(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 2).await;
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn behind_a_proxy_the_address_is_the_last_forwarded_for_entry() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS".into(), "2".into());
        env.insert("FOLIO_TRUSTED_PROXIES".into(), "127.0.0.1".into());
    })
    .await;
    let login = |forwarded: &str, email: &str, password: &str| {
        app.request(Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // A client rotating a spoofed first entry still comes from 203.0.113.7.
    for i in 0..2 {
        let res = login(
            &format!("10.0.0.{i}, 203.0.113.7"),
            &format!("g{i}@x.org"),
            "nope",
        )
        .await;
        assert_problem(res.unwrap(), 401).await;
    }
    let res = login("10.0.0.9, 203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_429(res.unwrap(), 900).await;
    // Another client behind the same proxy is not affected.
    let res = login("203.0.113.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.unwrap().status(), 200);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_account_limit() {
    let app = limited(2, 1_000, 600).await;
    let (_, token) = app.user_with_role("author").await;
    let change = || {
        app.call(
            Method::POST,
            "/api/v1/auth/password",
            Some(&token),
            Some(json!({"current_password": "guess", "new_password": "long-enough-pw"})),
        )
    };
    assert_problem(change().await, 403).await;
    assert_problem(change().await, 403).await;
    assert_429(change().await, 600).await;
}

/// An unknown email and a wrong password cost the same password check, so
/// response times do not tell them apart. The bound is loose (the machine
/// is shared); what it catches is skipping the hash for unknown emails,
/// which answers ~20 times faster.
#[tokio::test]
async fn unknown_emails_take_about_as_long_as_wrong_passwords() {
    let app = TestApp::spawn().await;
    let mut wrong = Duration::ZERO;
    let mut unknown = Duration::ZERO;
    for i in 0..5 {
        let started = Instant::now();
        assert_problem(app.login(ADMIN_EMAIL, "wrong-password").await, 401).await;
        wrong += started.elapsed();
        let started = Instant::now();
        assert_problem(
            app.login(&format!("nobody{i}@example.com"), "wrong-password")
                .await,
            401,
        )
        .await;
        unknown += started.elapsed();
    }
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.3..3.0).contains(&ratio),
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
}

#[tokio::test]
async fn a_client_past_its_address_limit_adds_no_account_counters() {
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    let app = limited(1_000, 2, 600).await;
    for i in 0..10 {
        let _ = app.login(&format!("made-up-{i}@example.com"), "nope").await;
    }
    let mut conn = app.db.conn().await;
    let rows: i64 = folio::db::schema::login_throttle::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    // One address counter and the two accounts tried before the limit.
    assert_eq!(rows, 3);
}
