import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// The app-wide stylesheet first: the components' CSS Modules come after it and refine it.
import "./styles.css";
import { App } from "./App";

const root = document.getElementById("root");
if (!root) {
  throw new Error("Missing #root element");
}

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
