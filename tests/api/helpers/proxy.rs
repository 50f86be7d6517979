//! A TCP proxy in front of PostgreSQL that a test can switch off and on,
//! to play a database outage or restart without touching the real server
//! (which the other tests share).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

pub struct DbProxy {
    pub port: u16,
    target: SocketAddr,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl DbProxy {
    /// Reserves a port on which nothing listens yet (a database "down").
    pub fn reserve() -> Self {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let target = std::env::var("TEST_DATABASE_URL")
            .ok()
            .and_then(|u| url::Url::parse(&u).ok())
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(5432))))
            .unwrap_or_else(|| "127.0.0.1:5432".to_owned())
            .parse()
            .expect("database address");
        Self {
            port,
            target,
            accept: None,
            connections: Arc::default(),
        }
    }

    /// The database comes up: accept and forward connections.
    pub fn start(&mut self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .expect("bind proxy port");
        let listener = socket.listen(128).expect("listen");
        let target = self.target;
        let connections = self.connections.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().expect("lock").push(task);
            }
        }));
    }

    /// The database goes away: stop listening and cut every open connection.
    pub fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for task in self.connections.lock().expect("lock").drain(..) {
            task.abort();
        }
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.stop();
    }
}
