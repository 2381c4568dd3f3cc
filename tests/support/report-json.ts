/** A JS frame of `report --json` (`jsStack`, `abortedAt`), as the tests read it. */
export interface ReportFrameJson {
  function: string;
  file?: string;
  line?: number;
  column?: number;
  source: string;
}
