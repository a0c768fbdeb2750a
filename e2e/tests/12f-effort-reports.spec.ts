// The effort report (issue 19, "Reports"): after 12-effort, people have effort last month. A
// manager opens the report from the navigation, sets the period from the first of last month to
// today, groups by project then person (chosen by keyboard), sees the table with its subtotals and
// the chart, and downloads the CSV and Excel files, whose total holds the figure the page shows.
import { expect, test, type Download } from '@playwright/test';
import { loginAsAdmin, previousMonth, tokyoToday, unzip } from './attendance-data';

async function body(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray());
}

function minutesOf(hm: string): number {
  const [h, m] = hm.trim().split(':');
  return Number(h) * 60 + Number(m);
}

test('effort report: grouped by project and person, the files hold the total the page shows', async ({ page }, testInfo) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-effort-report').click();
  await expect(page).toHaveURL(/\/effort\/report(\?|$)/);

  const from = `${previousMonth()}-01`;
  const to = tokyoToday();
  await page.locator('#er-from').fill(from);
  await page.locator('#er-to').fill(to);
  // The groupings by keyboard: focus each list and pick with the arrow keys' choice.
  await page.locator('#er-group1').focus();
  await page.locator('#er-group1').selectOption('project');
  await page.keyboard.press('Tab');
  await page.locator('#er-group2').selectOption('person');

  await expect(page.getByTestId('er-table')).toBeVisible();
  await expect(page.getByTestId('er-subtotal').first()).toBeVisible();
  await expect(page.getByTestId('er-chart')).toBeVisible();
  const total = (await page.getByTestId('er-total').textContent())!.trim();
  const minutes = minutesOf(total);
  expect(minutes).toBeGreaterThan(0);
  await expect(page.getByTestId('er-table-total')).toHaveText(total);
  await page.screenshot({ path: testInfo.outputPath('effort-report.png'), fullPage: true });

  // The CSV file (UTF-8 with BOM): the last row is the total, its effort as the page shows it.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('effort-report-download-csv').click()]);
  expect(csv.suggestedFilename()).toBe(`effort-${from}-${to}.csv`);
  const text = (await body(csv)).toString('utf8').replace(/^\ufeff/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  expect(lines[0].split(',').length).toBe(6);
  const last = lines[lines.length - 1].split(',');
  expect(last[4]).toBe(total);
  expect(Number(last[5])).toBeCloseTo(minutes / 60, 2);

  // The Excel file: a frozen header; the last row's effort is a time value (minutes / 1440) and
  // its hours a number.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('effort-report-download-xlsx').click()]);
  expect(xlsx.suggestedFilename()).toBe(`effort-${from}-${to}.xlsx`);
  const files = unzip(await body(xlsx));
  const sheet = files.get('xl/worksheets/sheet1.xml')!.toString('utf8');
  expect(sheet).toContain('ySplit="1"');
  const rows = [...sheet.matchAll(/<row [^>]*>([\s\S]*?)<\/row>/g)].map((m) => m[1]);
  const numbers = [...rows[rows.length - 1].matchAll(/<c r="[A-Z]+\d+"(?![^>]*t="s")[^>]*><v>([^<]+)<\/v>/g)].map((m) => Number(m[1]));
  expect(numbers.length, rows[rows.length - 1]).toBe(2);
  expect(numbers[0]).toBeCloseTo(minutes / 1440, 9);
  expect(numbers[1]).toBeCloseTo(minutes / 60, 9);
});
