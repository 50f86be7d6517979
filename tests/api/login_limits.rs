//! Login throttling: back-off per account and address, per address and per
//! account, in PostgreSQL so that it holds across instances; 429
//! problem+json with `Retry-After` while a key waits. Never a hard lock
//! that one address could set on someone else.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD, assert_problem};

/// Free failures per account and address, per address, per account; the
/// window (and longest wait) in seconds. Clients are told apart by
/// `X-Forwarded-For` from the trusted loopback proxy.
async fn limited(pair: u32, address: u32, account: u32, window_secs: u32) -> TestApp {
    TestApp::spawn_with(|env| {
        env.insert("FOLIO_LOGIN_FREE_FAILURES".into(), pair.to_string());
        env.insert(
            "FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS".into(),
            address.to_string(),
        );
        env.insert(
            "FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT".into(),
            account.to_string(),
        );
        env.insert("FOLIO_LOGIN_WINDOW_SECS".into(), window_secs.to_string());
        env.insert("FOLIO_TRUSTED_PROXIES".into(), "127.0.0.1".into());
    })
    .await
}

async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn login_status(app: &TestApp, address: &str, email: &str, password: &str) -> u16 {
    login_from(app, address, email, password)
        .await
        .status()
        .as_u16()
}

/// Asserts a 429 whose `Retry-After` is within `range` seconds.
async fn assert_429(res: reqwest::Response, range: std::ops::RangeInclusive<u64>) {
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        range.contains(&retry),
        "Retry-After {retry}, wanted {range:?}"
    );
    assert_problem(res, 429).await;
}

const A: &str = "203.0.113.1";
const B: &str = "203.0.113.2";

#[tokio::test]
async fn one_address_guessing_at_an_account_backs_off_even_with_the_right_password() {
    let app = limited(3, 1_000, 1_000, 600).await;
    for _ in 0..3 {
        assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    }
    // The third failure made this address wait a second for this account.
    assert_429(
        login_from(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        1..=1,
    )
    .await;
    assert_429(
        login_from(&app, A, &ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await,
        1..=1,
    )
    .await;
    // Nobody else waits: not the account from another address, not another
    // account from this address.
    assert_eq!(
        login_status(&app, B, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
    let (_, other) = app.insert_user("author").await;
    assert_eq!(login_status(&app, A, &other, USER_PASSWORD).await, 200);
}

#[tokio::test]
async fn each_further_failure_doubles_the_wait() {
    let app = limited(2, 1_000, 1_000, 600).await;
    for _ in 0..2 {
        assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    }
    assert_429(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 1..=1).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    assert_429(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 2..=2).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    // After the wait, the right password works and starts afresh.
    assert_eq!(
        login_status(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
}

#[tokio::test]
async fn a_single_address_cannot_lock_an_account_out_for_everyone() {
    let app = limited(3, 1_000, 10, 600).await;
    // However hard one address tries, its own back-off keeps its counted
    // failures below the account's threshold.
    for _ in 0..30 {
        let _ = login_from(&app, A, ADMIN_EMAIL, "wrong").await;
    }
    assert_eq!(
        login_status(&app, B, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn many_addresses_together_make_the_account_back_off_and_an_admin_clears_it() {
    let app = limited(100, 1_000, 4, 600).await;
    let (user_id, email) = app.insert_user("author").await;
    for i in 0..4 {
        let from = format!("198.51.100.{i}");
        assert_problem(login_from(&app, &from, &email, "wrong").await, 401).await;
    }
    assert_429(login_from(&app, B, &email, USER_PASSWORD).await, 1..=1).await;

    let admin = app.admin_token().await;
    let path = format!("/api/v1/users/{user_id}/login-throttle");
    let (_, editor) = app.user_with_role("editor").await;
    assert_problem(
        app.call(Method::DELETE, &path, Some(&editor), None).await,
        403,
    )
    .await;
    let res = app.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(login_status(&app, B, &email, USER_PASSWORD).await, 200);
}

#[tokio::test]
async fn unknown_emails_are_throttled_exactly_like_real_ones() {
    let app = limited(2, 1_000, 1_000, 600).await;
    let mut answers = Vec::new();
    for email in ["nobody@example.com", ADMIN_EMAIL] {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(login_status(&app, A, email, "wrong").await);
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], [401, 401, 429]);
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn failures_from_one_address_back_off_whatever_the_account() {
    let app = limited(1_000, 4, 1_000, 600).await;
    for i in 0..4 {
        let email = format!("guess{i}@example.com");
        assert_problem(login_from(&app, A, &email, "wrong").await, 401).await;
    }
    assert_429(
        login_from(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        1..=1,
    )
    .await;
    assert_eq!(
        login_status(&app, B, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn successful_logins_use_up_no_allowance() {
    let app = limited(2, 3, 2, 600).await;
    for _ in 0..6 {
        assert_eq!(
            login_status(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
            200
        );
    }
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    assert_eq!(
        login_status(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    assert_eq!(
        login_status(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn the_back_off_holds_across_instances_sharing_the_database() {
    let app = limited(3, 1_000, 1_000, 600).await;
    let second = folio::startup::Application::build(app.config.clone())
        .await
        .unwrap();
    let second_base = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let login_second = |password: &'static str| {
        app.client
            .post(format!("{second_base}/api/v1/auth/login"))
            .header("x-forwarded-for", A)
            .json(&json!({"email": ADMIN_EMAIL, "password": password}))
            .send()
    };
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong-1").await, 401).await;
    assert_problem(login_second("wrong-2").await.unwrap(), 401).await;
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong-3").await, 401).await;
    assert_429(login_second(ADMIN_PASSWORD).await.unwrap(), 1..=1).await;
    assert_429(
        login_from(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        1..=1,
    )
    .await;
}

#[tokio::test]
async fn failures_older_than_the_window_are_forgotten() {
    let app = limited(2, 1_000, 1_000, 2).await;
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    // The first failure is forgotten: this is a first failure again, and
    // the next attempt does not wait.
    assert_problem(login_from(&app, A, ADMIN_EMAIL, "wrong").await, 401).await;
    assert_eq!(
        login_status(&app, A, ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn behind_a_proxy_the_address_is_the_last_forwarded_for_entry() {
    let app = limited(1_000, 2, 1_000, 900).await;
    // A client rotating a spoofed first entry still comes from 203.0.113.7.
    for i in 0..2 {
        let res = login_from(
            &app,
            &format!("10.0.0.{i}, 203.0.113.7"),
            &format!("g{i}@x.org"),
            "nope",
        )
        .await;
        assert_problem(res, 401).await;
    }
    let res = login_from(&app, "10.0.0.9, 203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_429(res, 1..=1).await;
    // Another client behind the same proxy is not affected.
    let res = login_from(&app, "203.0.113.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn ipv6_clients_are_throttled_per_64() {
    let app = limited(1_000, 2, 1_000, 900).await;
    for (i, from) in ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"]
        .iter()
        .enumerate()
    {
        let res = login_from(&app, from, &format!("v6-{i}@x.org"), "nope").await;
        assert_problem(res, 401).await;
    }
    let res = login_from(&app, "2001:db8:1:2:abcd::5", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_429(res, 1..=1).await;
    let res = login_from(&app, "2001:db8:1:3::1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_account() {
    let app = limited(2, 1_000, 1_000, 600).await;
    let (_, token) = app.user_with_role("author").await;
    let change = || {
        app.request(Method::POST, "/api/v1/auth/password")
            .bearer_auth(&token)
            .header("x-forwarded-for", A)
            .json(&json!({"current_password": "guess", "new_password": "long-enough-pw"}))
            .send()
    };
    assert_problem(change().await.unwrap(), 403).await;
    assert_problem(change().await.unwrap(), 403).await;
    assert_429(change().await.unwrap(), 1..=1).await;
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
async fn a_client_waiting_on_its_address_adds_no_account_counters() {
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    let app = limited(1_000, 2, 1_000, 600).await;
    for i in 0..10 {
        let _ = login_from(&app, A, &format!("made-up-{i}@example.com"), "nope").await;
    }
    let mut conn = app.db.conn().await;
    let rows: i64 = folio::db::schema::login_throttle::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    // One address counter, and a pair and an account counter for each of
    // the two accounts tried before the address had to wait.
    assert_eq!(rows, 5);
}
