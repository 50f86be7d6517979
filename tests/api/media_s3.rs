//! Media on a real S3-compatible store (SeaweedFS, see
//! `helpers::seaweedfs`): uploads, ranged reads and deletes go through
//! S3, and two Folio instances on one database and one bucket make each
//! variant exactly once.

use std::collections::HashSet;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::RunQueryDsl;
use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::seaweedfs::seaweedfs;
use crate::media::{all_ready, encode, uploaded};

/// An image no other test (sharing the bucket) uploads.
fn unique_jpeg(w: u32, h: u32) -> Vec<u8> {
    let seed = uuid::Uuid::new_v4();
    let b = *seed.as_bytes();
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            b[(x % 16) as usize] ^ (y as u8),
            b[(y % 16) as usize],
            (x * 3) as u8,
        ])
    });
    encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

fn path_of(url: &str) -> String {
    url::Url::parse(url).unwrap().path().to_owned()
}

#[tokio::test]
async fn uploads_ranges_and_deletes_go_through_s3() {
    let Some(s3) = seaweedfs() else { return };
    let app = TestApp::spawn_with(|env| s3.configure(env)).await;
    let token = app.admin_token().await;
    let item = uploaded(&app, &token, unique_jpeg(400, 300), "s3.jpg").await;
    let path = path_of(item["url"].as_str().unwrap());

    let whole = app.get(&path).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "image/jpeg");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(whole.len() as u64, item["bytes"].as_u64().unwrap());
    let part = app
        .get(&path)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &whole[100..200]);

    let ready = all_ready(&app, &token, item["id"].as_str().unwrap()).await;
    let variant = path_of(ready["variants"][0]["url"].as_str().unwrap());
    assert_eq!(app.get(&variant).send().await.unwrap().status(), 200);

    let id = item["id"].as_str().unwrap();
    let res = app
        .request(Method::DELETE, &format!("/api/v1/media/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    // The objects are gone from the bucket, not just the rows.
    let store = folio::media::store::MediaStore::open(&app.config.media).unwrap();
    let sha = item["sha256"].as_str().unwrap();
    let original = folio::media::store::original_key(sha, "jpg");
    assert!(matches!(
        store.read_all(&original).await,
        Err(object_store::Error::NotFound { .. })
    ));
    let first = &ready["variants"][0];
    let key = folio::media::store::variant_key(
        sha,
        first["width"].as_i64().unwrap() as i32,
        first["format"].as_str().unwrap(),
    );
    assert!(matches!(
        store.read_all(&key).await,
        Err(object_store::Error::NotFound { .. })
    ));
}

#[derive(diesel::QueryableByName)]
struct JobRow {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Text)]
    leased_by: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn two_instances_on_one_database_and_one_bucket_make_each_variant_once() {
    let Some(s3) = seaweedfs() else { return };
    let a = TestApp::spawn_with(|env| {
        s3.configure(env);
        env.insert("FOLIO_MEDIA_WORKERS".into(), "2".into());
    })
    .await;
    let b = a
        .another_instance(|env| {
            s3.configure(env);
            env.insert("FOLIO_MEDIA_WORKERS".into(), "2".into());
            // Its own folder setting must not matter: the bucket is shared.
            env.insert("FOLIO_MEDIA_DIR".into(), "/nonexistent-unused".into());
        })
        .await;
    let token = a.admin_token().await;
    // Uploads alternate between the instances.
    let mut ids = Vec::new();
    for i in 0..8 {
        let bytes = unique_jpeg(700 + i * 10, 400);
        let res = if i % 2 == 0 {
            crate::media::upload_raw(&a, &token, bytes, "image/jpeg", "").await
        } else {
            a.client
                .post(format!("{b}/api/v1/media"))
                .bearer_auth(&token)
                .header("content-type", "image/jpeg")
                .body(bytes)
                .send()
                .await
                .unwrap()
        };
        assert_eq!(res.status(), 201);
        let item: Value = res.json().await.unwrap();
        ids.push(item["id"].as_str().unwrap().to_owned());
    }
    let mut variants = 0;
    for id in &ids {
        let ready = all_ready(&a, &token, id).await;
        for v in ready["variants"].as_array().unwrap() {
            variants += 1;
            let path = path_of(v["url"].as_str().unwrap());
            let from_a = a.get(&path).send().await.unwrap();
            let from_b = a.client.get(format!("{b}{path}")).send().await.unwrap();
            assert_eq!(
                (from_a.status().as_u16(), from_b.status().as_u16()),
                (200, 200)
            );
            assert_eq!(from_a.bytes().await.unwrap(), from_b.bytes().await.unwrap());
        }
    }
    assert_eq!(variants, ids.len() * 6);

    // Every job was claimed once and finished by the instance that held it.
    let mut conn = a.db.conn().await;
    let jobs: Vec<JobRow> = diesel::sql_query(
        "SELECT state, attempts, coalesce(leased_by, '') AS leased_by FROM media_jobs",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(jobs.len(), ids.len());
    for job in &jobs {
        assert_eq!((job.state.as_str(), job.attempts), ("done", 1));
    }
    let workers: HashSet<&str> = jobs.iter().map(|j| j.leased_by.as_str()).collect();
    eprintln!("jobs done by {} worker process(es)", workers.len());
    let pending: Count =
        diesel::sql_query("SELECT count(*) AS n FROM media_variants WHERE status <> 'ready'")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(pending.n, 0);
}
