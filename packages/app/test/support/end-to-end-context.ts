/** What every part of the end-to-end suite shares; `dir` is only valid inside tests and hooks. */
export interface EndToEndContext {
  /** Adapter selection and overrides, laid over each part's own settings. */
  readonly env: Readonly<Record<string, string>>;
  /** Lowercase id unique to this run; every room name carries it. */
  readonly run: string;
  /** The run's temp dir (SQLite files, the app's working directory). */
  dir(): string;
}
