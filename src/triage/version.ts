/**
 * The triage version a record was written by. Raised when what a record holds, or how a report decides it,
 * changes: every record of an older version is triaged again by the next run.
 */
export const TRIAGE_VERSION = 1;
