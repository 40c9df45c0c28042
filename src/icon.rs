//! Icons as inline SVG paths (24 x 24, drawn in the text colour): they
//! render with no icon or emoji font, and the button that holds one carries
//! the words in its `aria-label`.

use leptos::prelude::*;

/// The icons the widget draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    /// Save an answer.
    Bookmark,
    /// Rename.
    Pencil,
    MoveUp,
    MoveDown,
    /// Pin to, or unpin from, the dashboard.
    Pin,
    /// Delete.
    Trash,
}

impl Icon {
    /// The outline's path data.
    fn path(self) -> &'static str {
        match self {
            Icon::Bookmark => "M6 3h12a1 1 0 0 1 1 1v17l-7-4.5L5 21V4a1 1 0 0 1 1-1z",
            Icon::Pencil => "M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4",
            Icon::MoveUp => "M12 19V5M5 12l7-7 7 7",
            Icon::MoveDown => "M12 5v14M5 12l7 7 7-7",
            Icon::Pin => "M9 3h6l-1 6 4 4H6l4-4-1-6zM12 13v8",
            Icon::Trash => "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
        }
    }
}

/// An icon, hidden from assistive technology (its button says the words).
pub fn icon(which: Icon) -> impl IntoView {
    view! {
        <svg class="sw-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=which.path()></path>
        </svg>
    }
}
