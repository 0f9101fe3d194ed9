//! Ferry's web app: drop a batch file, see what the Agent would reject before anything is sent.
//!
//! The whole validation core runs in the page, compiled to WebAssembly; nothing leaves the browser.
//! Layout: [`state`] holds every piece of state in one reducer, [`validation`] is the one place that reads a
//! file and runs the core (so it can move into a worker without touching the components), and
//! [`components`] only render state and dispatch actions.

mod app;
mod attachments;
mod components;
mod fixes;
mod model;
mod preview;
mod review;
mod state;
mod validation;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
