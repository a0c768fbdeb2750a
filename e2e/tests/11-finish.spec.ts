import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome, login } from './fixtures';
import { kato, prepareAttendance, previousMonth } from './attendance-data';

test('a favicon, Japanese headings that break between words, and dead ends that lead home', async ({ page }) => {
  await ensureSetUp(page);
  // The page names its icon and the server has it.
  const href = await page.locator('link[rel=icon]').getAttribute('href');
  const icon = await page.request.get(`./${href}`);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');

  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  const heading = page.locator('main h1').first();
  await expect(heading).toBeVisible();
  expect(await heading.evaluate((h) => getComputedStyle(h).wordBreak)).toBe('keep-all');

  // A page that does not exist says so and links home.
  await page.goto('./no-such-page');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.getByTestId('back-home').click();
  await expect(page).toHaveURL(isHome);

  // The desktop shell's connection page is not a page of the browser.
  await page.goto('./connection');
  await expect(page.getByTestId('back-home')).toBeVisible();
  await expect(page.locator('#url')).toHaveCount(0);
});

test('the home page shows my month and, to an administrator, how the attendance task stands', async ({ page }) => {
  await prepareAttendance(page);
  await page.getByTestId('nav-home').click();
  await expect(page).toHaveURL(isHome);
  await expect(page.getByTestId('home-month-days_worked')).toBeVisible();
  const task = page.getByTestId('home-task');
  // prepareAttendance rebuilt last month: the last run is that rebuild, completed.
  await expect(task.getByTestId('home-last-run')).toContainText('completed');
  await expect(task.getByTestId('home-last-run')).toContainText(`${previousMonth()}-`);
  // The daily run is off until an administrator turns it on: the home page says so.
  await expect(task.getByTestId('home-warning')).toContainText(['The daily run is off']);
  await page.screenshot({ path: test.info().outputPath('home.png'), fullPage: true });
  // The same page in Japanese.
  await page.getByTestId('language-switch').click();
  try {
    await expect(task.getByTestId('home-warning')).toContainText(['毎日の自動実行が無効です']);
    await page.screenshot({ path: test.info().outputPath('home-ja.png'), fullPage: true });
  } finally {
    // The other tests expect the administrator to read English.
    if ((await page.locator('html').getAttribute('lang')) === 'ja') await page.getByTestId('language-switch').click();
  }
  await expect(task.getByTestId('home-warning')).toContainText(['The daily run is off']);
  await task.getByTestId('home-task-link').click();
  await expect(page).toHaveURL(/\/attendance\/task$/);
});

test("the console's user filter narrows the 36-agreement section and its calendars too", async ({ page }) => {
  await prepareAttendance(page);
  await page.getByTestId('nav-attendance').click();
  await page.getByTestId('att-month-prev').click();
  const people = page.locator('.agr-person');
  await expect.poll(() => people.count()).toBeGreaterThan(1);
  await page.getByLabel('User', { exact: true }).fill(kato.login);
  await page.getByLabel('User', { exact: true }).press('Tab');
  await expect(people).toHaveCount(1);
  await expect(people.first()).toContainText(kato.name);
  await expect(people.first().getByTestId('heat-map')).toBeVisible();
});

test('a wide table scrolls inside its own box with its first column in view', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await prepareAttendance(page);
  await page.getByTestId('nav-attendance').click();
  await page.getByTestId('att-month-prev').click();
  const table = page.getByTestId('att-table');
  await expect(table).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);

  // Narrower than the table: the box scrolls, the page does not, and the names stay.
  await page.setViewportSize({ width: 900, height: 768 });
  const wrap = page.locator('.table-wrap', { has: table });
  const overflow = await wrap.evaluate((w) => w.scrollWidth - w.clientWidth);
  expect(overflow).toBeGreaterThan(0);
  const first = table.locator('tbody tr').first().locator('td').first();
  const before = await first.boundingBox();
  await wrap.evaluate((w) => { w.scrollLeft = w.scrollWidth; });
  const after = await first.boundingBox();
  expect(Math.abs((after?.x ?? -1) - (before?.x ?? -2))).toBeLessThan(1);
});
