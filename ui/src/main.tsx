import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { pathFromMlflowHash } from "./lib/router";
import "./styles.css";

// Links copied from MLflow's UI (/#/experiments/1/runs/<id>) open the same page here.
const fromHash = pathFromMlflowHash(window.location.hash);
if (fromHash) window.history.replaceState(null, "", fromHash);
else if (window.location.pathname === "/") window.history.replaceState(null, "", "/experiments" + window.location.search);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
