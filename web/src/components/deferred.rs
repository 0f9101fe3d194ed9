//! Draws its children one task later than its parent, again whenever `identity` changes.
//!
//! A new batch's page is drawn in a few tasks instead of one (the counts first, then the summary's details,
//! then the list), so no single task holds the page's thread for long and the first numbers show at once.

use yew::prelude::*;

/// Properties of [`Deferred`].
#[derive(Properties, PartialEq)]
pub struct DeferredProps {
    /// What the children show: when it changes, they are drawn again one task later.
    pub identity: usize,
    /// What is being prepared, said meanwhile ("Listing the records").
    pub preparing: AttrValue,
    /// What to draw.
    pub children: Html,
}

/// See the module's documentation.
#[function_component(Deferred)]
pub fn deferred(props: &DeferredProps) -> Html {
    let drawn_for = use_state(|| None::<usize>);
    {
        let drawn_for = drawn_for.clone();
        use_effect_with(props.identity, move |&identity| {
            yew::platform::spawn_local(async move {
                // A zero-length sleep is a timer: it ends this task and resumes in a later one.
                yew::platform::time::sleep(std::time::Duration::ZERO).await;
                drawn_for.set(Some(identity));
            });
        });
    }
    if *drawn_for != Some(props.identity) {
        return html! { <p class="muted preparing" aria-busy="true">{ format!("{}…", props.preparing) }</p> };
    }
    props.children.clone()
}
