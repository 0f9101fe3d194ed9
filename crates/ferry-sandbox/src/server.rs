//! Serving the router on a TCP listener, with a per-connection handle that lets a handler close its own
//! connection without answering (the "connection dropped" fault: [`crate::faults::ConnectionDrop`]).
//!
//! `axum::serve` cannot drop one connection on purpose, so connections are served here with hyper directly:
//! each connection task races the HTTP connection against its drop handle and, when the handle fires, drops
//! the connection, which closes the socket with no response and cancels the request.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::faults::ConnectionDrop;
use crate::Sandbox;

/// Serves `router` on `listener` until `shutdown` completes. Connections already open keep being served by
/// their own tasks until they end.
///
/// # Errors
/// None in practice: accept failures (too many open files, a reset during the handshake) are logged and
/// accepting goes on.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return Ok(()),
        };
        match accepted {
            Ok((stream, _peer)) => {
                tokio::spawn(serve_connection(stream, router.clone()));
            }
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                // Out of file descriptors is the usual cause: give connections time to close, as axum::serve does.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    // Small JSON answers should not wait for Nagle's algorithm.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY not set");
    }
    let connection_drop = ConnectionDrop::default();
    let per_request = connection_drop.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(per_request.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        outcome = connection => {
            if let Err(error) = outcome {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = connection_drop.triggered() => tracing::info!("connection dropped on purpose"),
    }
}

/// A sandbox serving in the background of the current tokio runtime.
pub struct RunningSandbox {
    /// The address it listens on (the real port when 0 was asked for).
    pub address: SocketAddr,
    /// Its state, for in-process inspection.
    pub sandbox: Arc<Sandbox>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningSandbox {
    /// `http://ADDRESS`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting and waits for the accept loop to end.
    ///
    /// # Errors
    /// When the accept loop failed or panicked.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        match (&mut self.task).await {
            Ok(outcome) => outcome,
            Err(error) => Err(io::Error::other(error)),
        }
    }
}

/// Binds `address` (port 0 picks a free port) and serves the sandbox in a background task. Connections are
/// accepted as soon as this returns.
///
/// # Errors
/// When the address cannot be bound.
pub async fn spawn(sandbox: Arc<Sandbox>, address: SocketAddr) -> io::Result<RunningSandbox> {
    let listener = TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let (sender, receiver) = oneshot::channel::<()>();
    let router = crate::app(Arc::clone(&sandbox));
    let task = tokio::spawn(serve(listener, router, async move {
        let _ = receiver.await;
    }));
    Ok(RunningSandbox { address, sandbox, shutdown: Some(sender), task })
}
