//! Entry point of the widget's wasm: panic hook, then mount.

fn main() {
    console_error_panic_hook::set_once();
    slicewise_widget::mount_page();
}
