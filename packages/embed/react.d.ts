// Types of @slicewise/embed/react.
import type { CSSProperties, ReactElement } from "react";
import type {
  AnswerDetail,
  ErrorDetail,
  MountOptions,
  ReadyDetail,
  SavedAnswersClient,
  SavedAnswersOptions,
} from "./index.js";

export interface SlicewiseWidgetProps extends MountOptions {
  /** CSS height of the widget (a number is pixels). */
  height?: number | string;
  className?: string;
  style?: CSSProperties;
  onReady?: (detail: ReadyDetail) => void;
  /** The question and its row count; never any data. */
  onAnswer?: (detail: AnswerDetail) => void;
  onError?: (detail: ErrorDetail) => void;
}

/**
 * The Slicewise widget as a React component. Changing `getToken` or the
 * callbacks does not remount; changing server, locale, theme or
 * refreshSeconds does.
 */
export declare function SlicewiseWidget(props: SlicewiseWidgetProps): ReactElement;

/**
 * The saved-answers client for a React host: stable while `server` (and
 * `fetch`) stay, calling the latest `getToken`.
 */
export declare function useSavedAnswers(options: SavedAnswersOptions): SavedAnswersClient;
