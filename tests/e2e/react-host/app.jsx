// A React host app embedding <SlicewiseWidget> from @slicewise/embed/react.
// Bundled with esbuild by tests/e2e/embed.test.mjs and served from the
// second origin; its buttons exercise re-render (no remount), theme change
// (remount) and unmount.
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { SlicewiseWidget } from "@slicewise/embed/react";

const SERVER = document.querySelector('meta[name="slicewise-server"]').content;
let tokenCalls = 0;

function App() {
  const [renders, setRenders] = useState(0);
  const [shown, setShown] = useState(true);
  const [theme, setTheme] = useState("light");
  const [answers, setAnswers] = useState([]);
  // A new function on every render, as hosts often write it: the widget must
  // not remount for it.
  const getToken = async () => {
    tokenCalls += 1;
    document.documentElement.dataset.tokenCalls = String(tokenCalls);
    const response = await fetch(`${SERVER}/api/v1/demo/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tenant: "acme", sub: "react-user" }),
    });
    return (await response.json()).token;
  };
  return (
    <main>
      <h1>React portal</h1>
      <button id="rerender" onClick={() => setRenders((n) => n + 1)}>Re-render ({renders})</button>
      <button id="dark" onClick={() => setTheme("dark")}>Dark</button>
      <button id="hide" onClick={() => setShown(false)}>Hide</button>
      {shown && (
        <SlicewiseWidget
          server={SERVER}
          getToken={getToken}
          theme={theme}
          locale="en"
          height={640}
          className="analytics"
          onAnswer={(d) => setAnswers((a) => [...a, `${d.question}|${d.rows}`])}
          onError={(e) => setAnswers((a) => [...a, `error|${e.code}`])}
        />
      )}
      <ol id="answers">{answers.map((a, i) => <li key={i}>{a}</li>)}</ol>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<StrictMode><App /></StrictMode>);
