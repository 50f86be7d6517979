use crate::helpers::TestApp;

#[tokio::test]
async fn live_and_ready_answer_200_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    for path in ["/health/live", "/health/ready"] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn every_response_carries_nosniff() {
    let app = TestApp::spawn().await;
    for path in ["/health/live", "/nope"] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}
