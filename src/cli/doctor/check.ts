/** How a doctor check came out. `warn` and `fail` are problems (exit code 1); `info` and `skip` are not. */
export type CheckStatus = "ok" | "info" | "warn" | "fail" | "skip";

/** One finding of `django-session doctor`. */
export interface Check {
  /** Stable identifier for scripts: `table`, `columns`, `indexes`, `secret`, `legacy-rows`, ... */
  id: string;
  status: CheckStatus;
  /** One line saying what was found. */
  message: string;
  /** Further lines (one per finding). */
  lines?: string[];
  /** What to do about it, one step per line. */
  fix?: string[];
  /** Numbers for scripts (`--json`). */
  details?: Record<string, unknown>;
}

const RANK: Record<CheckStatus, number> = { skip: 0, ok: 1, info: 2, warn: 3, fail: 4 };

/** The worst of several statuses (`ok` when there are none). */
export function worst(statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");
}

export const isProblem = (check: Check) => check.status === "warn" || check.status === "fail";
