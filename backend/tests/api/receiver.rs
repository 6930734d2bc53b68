//! An HTTP server of the tests' own that records every request it is sent (webhook
//! deliveries, domain verification fetches), answering as a test plans.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub event_id: String,
    pub delivery: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
pub struct ReceiverState {
    pub seen: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once empty (or `always` if set).
    pub plan: Mutex<VecDeque<u16>>,
    pub always: Mutex<Option<u16>>,
    pub delay: Mutex<Duration>,
}

/// An HTTP server of the test's own that records what it is sent.
pub struct Receiver {
    pub url: String,
    pub state: Arc<ReceiverState>,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<ReceiverState>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let delay = *state.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    state.seen.lock().unwrap().push(Received {
        event: header("mercato-event"),
        event_id: header("mercato-event-id"),
        delivery: header("mercato-delivery"),
        signature: header("mercato-signature"),
        body: body.to_vec(),
    });
    let status = state
        .plan
        .lock()
        .unwrap()
        .pop_front()
        .or(*state.always.lock().unwrap())
        .unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .body(format!("receiver says {status}"))
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/mercato"),
            state,
        }
    }

    pub fn seen(&self) -> Vec<Received> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (10 s at most).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let seen = self.seen();
            if seen.len() >= n {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, not {n}", self.seen().len());
    }
}
