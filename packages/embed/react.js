// @slicewise/embed/react: <SlicewiseWidget> for React hosts (React 18+).
//
// A thin component over `mount`: it renders one <div>, mounts the widget
// into it after the first render and unmounts it when the component goes.
// A new `getToken` or callback identity on re-render does not remount (the
// latest one is used), so the user's question history stays; a change of
// server, locale, theme, refresh interval, query timeout or persist mounts afresh. Plain
// `createElement`, no JSX: nothing to compile. `useSavedAnswers` hands a
// React host the saved-answers client. Types: react.d.ts.
import { createElement, useEffect, useMemo, useRef } from "react";
import { EVENTS, mount, savedAnswers } from "./index.js";

export function SlicewiseWidget(props) {
  const { server, locale, theme, refreshSeconds, queryTimeoutSeconds, persist, height, className, style } = props;
  const host = useRef(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    let widget = null;
    let gone = false;
    const handlers = [
      [EVENTS.ready, "onReady"],
      [EVENTS.answer, "onAnswer"],
      [EVENTS.error, "onError"],
    ].map(([type, prop]) => {
      const handler = (event) => latest.current[prop]?.(event.detail);
      el.addEventListener(type, handler);
      return [type, handler];
    });
    mount(el, {
      server,
      getToken: () => latest.current.getToken(),
      locale,
      theme,
      refreshSeconds,
      queryTimeoutSeconds,
      persist,
    }).then((mounted) => {
      if (gone) mounted.unmount();
      else widget = mounted;
    }, (err) => {
      latest.current.onError?.({ code: "load_failed", message: String(err?.message ?? err) });
    });
    return () => {
      gone = true;
      widget?.unmount();
      for (const [type, handler] of handlers) el.removeEventListener(type, handler);
    };
  }, [server, locale, theme, refreshSeconds, queryTimeoutSeconds, persist]);

  const size = typeof height === "number" ? `${height}px` : height;
  return createElement("div", {
    ref: host,
    className,
    style: size ? { height: size, ...style } : style,
    "data-slicewise": "",
  });
}

/**
 * The saved-answers client (`savedAnswers` of the ES module) for a React
 * host: the same object across renders while the server stays, calling the
 * latest `getToken`, so it can sit in effect dependencies.
 */
export function useSavedAnswers({ server, getToken, fetch }) {
  const latest = useRef(getToken);
  latest.current = getToken;
  return useMemo(
    () => savedAnswers({ server, getToken: () => latest.current(), fetch }),
    [server, fetch],
  );
}
