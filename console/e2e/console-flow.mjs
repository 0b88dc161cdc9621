// The operator console in a real browser: Debian's chromium driven by playwright-core. Run by the acceptance
// module's ConsoleBrowserTest, which starts a gateway with a played Bandwidth and answers this script's steps:
// each `STEP <name> <json>` line on stdout waits for one line on stdin (`OK`, or `FAIL <why>`) once the Java side
// has done its part (posted a signed webhook, checked the played carrier, ...). Ends with `DONE`, exit code 0;
// any failure prints `FAILED <why>` and exits 1.
//
// Environment: CONSOLE_BASE_URL (http://127.0.0.1:port), ADMIN_KEY, READER_KEY (a valid key without admin),
// PUBLIC_BASE_URL (what the gateway signs media URLs with; fetched here from CONSOLE_BASE_URL, as a proxy in
// front of the gateway would), PARTICIPANT (the customer's number the Java side will text from), DEAD_LETTER_RECIPIENT (the number of the
// send that was dead-lettered), SCREENSHOTS (a directory), CHROMIUM (the browser binary).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('CONSOLE_BASE_URL');
const adminKey = env('ADMIN_KEY');
const readerKey = env('READER_KEY');
const participant = env('PARTICIPANT');
const publicBaseUrl = env('PUBLIC_BASE_URL');
const deadLetterRecipient = env('DEAD_LETTER_RECIPIENT');
const screenshots = env('SCREENSHOTS');
const TIMEOUT = 60_000;

const input = createInterface({ input: process.stdin });
const answers = input[Symbol.asyncIterator]();

/** Tells the Java side a step is reached and waits for it to do its part. */
async function step(name, data = {}) {
  console.log(`STEP ${name} ${JSON.stringify(data)}`);
  const { value, done } = await answers.next();
  if (done) throw new Error(`no answer to step ${name}: the test's side closed`);
  if (value.trim() !== 'OK') throw new Error(`step ${name}: ${value}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Every visible input, select and textarea has a label a screen reader reads. */
async function checkLabels(page, where) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((field) => field.type !== 'hidden')
    .filter((field) => !(field.labels && field.labels.length) && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby'))
    .map((field) => field.outerHTML));
  check(unlabelled.length === 0, `${where}: fields without a label: ${unlabelled.join(' ')}`);
}

/** Nothing is wider than the window (no sideways scrolling at phone width). */
async function checkFits(page, where) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  check(scroll <= width, `${where}: the page is ${scroll}px wide in a ${width}px window`);
}

async function shoot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const profile = mkdtempSync(join(tmpdir(), 'omniservice-console-'));
mkdirSync(screenshots, { recursive: true });
let context = null;
let exitCode = 0;
try {
  // a new empty profile (Playwright passes it as --user-data-dir)
  context = await chromium.launchPersistentContext(profile, {
    executablePath: env('CHROMIUM'),
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // the gateway's public address is a proxy in front of it: its signed media URLs are fetched from the gateway
  await context.route(`${publicBaseUrl}/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: base + url.pathname + url.search });
    await route.fulfill({ response });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  // refused keys are answered 401 on purpose: the browser logs those loads, which are not the console's errors
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));

  // --- sign-in: a key without admin is refused with a clear message, the admin key is taken
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').waitFor();
  await checkLabels(page, 'sign-in');
  await shoot(page, 'sign-in');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'api-key', 'the API key field is not the first stop of the keyboard');
  await page.keyboard.type(readerKey);
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'does not have the admin scope' }).waitFor();
  check(await page.evaluate(() => sessionStorage.length) === 0, 'a key without admin was kept');
  await page.getByLabel('API key').fill('not-a-key-at-all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
  await page.getByLabel('API key').fill(adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
  check(new URL(page.url()).pathname === '/console/conversations', `signed in at ${page.url()}`);
  check(await page.evaluate(() => localStorage.length) === 0, 'something was put in localStorage');
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

  // --- conversations: the one a signed webhook creates appears without a reload
  await step('conversations-open', { participant });
  const row = page.locator('table.conversations tbody tr').filter({ hasText: participant });
  await row.waitFor();
  // the whole list's answer held back until after the search's: it must not replace the search's answer
  let heldBack = 0;
  const wholeList = (url) => url.pathname === '/v1/conversations' && !url.searchParams.has('participant');
  await page.route(wholeList, async (route) => {
    heldBack++;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
  while (heldBack === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await page.getByLabel('Participant').fill(participant);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((url) => url.searchParams.get('participant') === participant);
  // the list is redrawn with the search's answer: that conversation alone (the refused send's is left out)
  await page.waitForFunction(() => document.querySelectorAll('table.conversations tbody tr').length === 1, null, { timeout: TIMEOUT })
    .catch(() => { throw new Error('the search by participant still shows other conversations'); });
  // the held-back answer arrives now: the list must stay the search's
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  check(await page.locator('table.conversations tbody tr').count() === 1,
    'an answer for the whole list, come after the search, replaced the search\'s');
  await page.unroute(wholeList);
  await row.waitFor();
  await checkLabels(page, 'conversations');
  await shoot(page, 'conversations');

  // --- the timeline, and a reply that reaches the played carrier
  await row.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: participant }).waitFor();
  await page.locator('li.message.inbound').filter({ hasText: 'Do you deliver on Sundays?' }).waitFor();
  // the photo sent to the customer: its thumbnail, through a signed /media URL, is drawn
  const thumbnail = page.locator('li.message.outbound img[alt^="Thumbnail"]');
  await thumbnail.waitFor();
  const source = new URL(await thumbnail.getAttribute('src'));
  check(source.pathname.startsWith('/media/') && source.searchParams.has('signature'), `the thumbnail is not a signed media URL: ${source}`);
  await page.waitForFunction(() => {
    const img = document.querySelector('li.message.outbound img[alt^="Thumbnail"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  await page.getByLabel(`Message to ${participant}`).fill('Yes, from 10 to 4.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  const queued = page.getByRole('status').filter({ hasText: 'Queued as' });
  await queued.waitFor();
  const messageId = (await queued.textContent()).match(/Queued as (\S+) over/)[1];
  const reply = page.locator(`li.message.outbound[data-message="${messageId}"]`);
  await reply.waitFor();
  // the Java side checks the carrier got it, then posts the carrier's delivery receipt
  await step('reply-sent', { messageId });
  // the receipt shows in the timeline by the event stream alone: no reload, no navigation
  await reply.locator('ol.history').filter({ hasText: 'delivered' }).waitFor();
  await reply.locator('ol.attempts').filter({ hasText: 'bandwidth' }).waitFor();
  await checkLabels(page, 'timeline');
  await shoot(page, 'timeline');

  // --- phone width: the same timeline and the conversation list fit in 375 px
  await page.setViewportSize({ width: 375, height: 812 });
  await checkFits(page, 'timeline at 375 px');
  await shoot(page, 'timeline-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  // --- keyboard: the skip link, then the sections, reached with Tab and followed with Enter
  await page.goto(`${base}/console/conversations`);
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement.textContent)) === 'Skip to content', 'Tab does not reach the skip link first');
  const stops = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    stops.push(await page.evaluate(() => document.activeElement.textContent));
  }
  check(JSON.stringify(stops) === JSON.stringify(['Conversations', 'Carriers & rules', 'Dead letters', 'Subscriptions']),
    `the sections are not reached in order with Tab: ${stops}`);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== 'none', 'the focused link shows no outline');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
  // the subscription whose receiver answers 503 shows its events retrying (refreshed until its first attempt failed)
  const failing = page.locator('table.subscriptions tbody tr').filter({ hasText: '/events-down' });
  await failing.waitFor();
  const deadline = Date.now() + TIMEOUT;
  while (!(await failing.textContent()).includes('retrying') && Date.now() < deadline) {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(250);
  }
  check((await failing.textContent()).includes('retrying'), `the failing subscription does not show its retries: ${await failing.textContent()}`);
  check((await failing.textContent()).includes('503'), `the failing subscription does not show its last error: ${await failing.textContent()}`);
  await page.locator('table.subscriptions tbody tr').filter({ hasText: '/events' }).filter({ hasText: 'up to date' }).first().waitFor();
  await checkLabels(page, 'subscriptions');
  await shoot(page, 'subscriptions');

  // --- carriers and rules
  await page.getByRole('link', { name: 'Carriers & rules' }).click();
  await page.getByRole('heading', { level: 1, name: 'Carriers & rules' }).waitFor();
  await page.locator('table.carriers tbody tr').filter({ hasText: 'bandwidth' }).waitFor();
  await page.getByLabel('Prefix').fill('+4420');
  await page.getByLabel('Carrier', { exact: true }).selectOption('bandwidth');
  await page.getByRole('button', { name: 'Add routing rule' }).click();
  await page.locator('table.routing-rules tbody tr').filter({ hasText: '+4420' }).waitFor();
  await page.getByLabel('Name').fill('opening hours');
  await page.getByLabel('Keywords (comma-separated)').fill('HOURS');
  await page.getByLabel('Reply text').fill('We are open 9 to 5.');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.locator('table.rules tbody tr').filter({ hasText: 'opening hours' }).waitFor();
  await checkLabels(page, 'carriers');
  await shoot(page, 'carriers');
  await page.getByRole('button', { name: 'Delete routing rule +4420' }).click();
  await page.locator('table.routing-rules').waitFor({ state: 'detached' });

  // --- dead letters: the failed send is listed by kind and replayed
  await page.getByRole('link', { name: 'Dead letters' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
  await page.getByLabel('Kind').selectOption('send');
  const letter = page.locator('table.dead-letters tbody tr').first();
  await letter.waitFor();
  await checkLabels(page, 'dead letters');
  await shoot(page, 'dead-letters');
  await letter.getByRole('button', { name: /^Replay/ }).click();
  await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
  await step('dead-letter-replayed', { recipient: deadLetterRecipient });

  // --- the conversation list at phone width
  await page.setViewportSize({ width: 375, height: 812 });
  await page.getByRole('link', { name: 'Conversations' }).click();
  await page.locator('table.conversations tbody tr').first().waitFor();
  await checkFits(page, 'conversations at 375 px');
  await shoot(page, 'conversations-phone');

  // --- sign-out forgets the key
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  check(await page.evaluate(() => sessionStorage.length) === 0, 'sign-out left the key in sessionStorage');

  const elsewhere = requested.filter((url) => !url.startsWith(base) && !url.startsWith(publicBaseUrl) && !url.startsWith('data:'));
  check(elsewhere.length === 0, `the console reached beyond the gateway: ${elsewhere.join(' ')}`);
  check(requested.every((url) => !url.includes(adminKey)), 'the API key appeared in a URL');
  check(problems.length === 0, `the browser reported errors: ${problems.join(' | ')}`);
  console.log('DONE');
} catch (error) {
  console.log(`FAILED ${String(error && error.stack ? error.stack : error).replace(/\n/g, ' | ')}`);
  exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
  input.close();
}
process.exit(exitCode);
