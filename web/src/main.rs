//! Ferry's web app: drop batch files, see what the Agent would reject before anything is sent.
//!
//! The whole validation core runs in the browser, compiled to WebAssembly, in a worker (see
//! [`ferry_web::check`]); nothing leaves the browser until the user imports. Layout: [`state`] holds every
//! piece of state in one reducer, [`validation`] is the one place that starts and stops the check worker,
//! [`listing`] decides what the list shows, and [`components`] only render state and dispatch actions.

use ferry_web::model;

mod app;
mod attachments;
mod components;
mod fixes;
mod import;
mod listing;
mod preview;
mod review;
mod services;
mod session;
mod state;
mod teams_maps;
mod teams_plan;
mod timeline;
mod upload;
mod validation;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
