// Starts Kinmu's UI. An external module (not inline) so a strict Content-Security-Policy
// (script-src 'self') allows it, in the browser and in the desktop shell.
import init from "./pkg/kinmu_ui.js";

init({ module_or_path: new URL("pkg/kinmu_ui_bg.wasm", document.baseURI) });
