// puppeteer comes in as a dependency of @memlab/core (the tests' heap snapshot parser), which never starts a
// browser here: skip every browser download at install (a fresh `npm ci` reads this file; none is reachable).
/** @type {import("puppeteer").Configuration} */
module.exports = {
  skipDownload: true,
  chrome: { skipDownload: true },
  "chrome-headless-shell": { skipDownload: true },
  firefox: { skipDownload: true },
};
