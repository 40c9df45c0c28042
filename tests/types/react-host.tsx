// A React host's use of <SlicewiseWidget>, type-checked by `cargo xtask test`.
import { useCallback, useEffect, useState } from "react";
import { SlicewiseWidget, useSavedAnswers } from "@slicewise/embed/react";
import type { SavedAnswer } from "@slicewise/embed";

export function Analytics({ tenantToken }: { tenantToken: () => Promise<string> }) {
  const [answers, setAnswers] = useState<string[]>([]);
  const [pinned, setPinned] = useState<SavedAnswer[]>([]);
  const saved = useSavedAnswers({ server: "https://analytics.example.com", getToken: tenantToken });
  useEffect(() => {
    saved.list().then((all) => setPinned(all.filter((a) => a.pinned)));
  }, [saved]);
  const onAnswer = useCallback((d: { question: string; rows: number }) => {
    setAnswers((a) => [...a, `${d.question}: ${d.rows}`]);
  }, []);
  return (
    <section>
      <SlicewiseWidget
        server="https://analytics.example.com"
        getToken={tenantToken}
        theme="auto"
        height={640}
        onAnswer={onAnswer}
        onError={(e) => console.warn(e.code, e.message)}
      />
      {/* @ts-expect-error server and getToken are required */}
      <SlicewiseWidget theme="dark" />
      <ul>{answers.map((a) => <li key={a}>{a}</li>)}</ul>
      <ol>{pinned.map((a) => <li key={a.id}>{a.title}</li>)}</ol>
    </section>
  );
}
