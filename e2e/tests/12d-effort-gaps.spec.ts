// The monthly gap report (issue 18, "Effort against attendance"): after 12-effort, Hana (ishii)
// has a marked gap in last month (2:30 of effort against a full day of PC activity). An approver
// opens the report from the navigation, steps to last month by keyboard, sees her among the
// people over the threshold, and downloads the Excel file, whose People sheet holds her number
// of marked days as the page shows it.
import { expect, test, type Download } from '@playwright/test';
import { loginAsAdmin, previousMonth, unzip } from './attendance-data';

const hana = 'ishii';

async function body(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray());
}

/** The shared strings of a workbook, in order. */
function sharedStrings(xml: string): string[] {
  return [...xml.matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => [...m[1].matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((t) => t[1]).join(''));
}

test('gap report: last month shows the person with a gap, and the Excel file holds the same figure', async ({ page }, testInfo) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-gap-report').click();
  await expect(page).toHaveURL(/\/effort\/gap-report$/);
  await expect(page.getByTestId('gap-summary')).toBeVisible();

  // To last month by keyboard.
  const month = previousMonth();
  await page.getByTestId('gap-month-prev').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#gap-month')).toHaveValue(month);

  const row = page.getByTestId(`gap-person-${hana}`);
  await expect(row).toBeVisible();
  const marked = Number((await row.getByTestId('gap-person-marked').textContent())!.trim());
  expect(marked).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('gap-chart-people')).toBeVisible();
  await expect(page.getByTestId('gap-chart-months')).toContainText(month);
  await page.screenshot({ path: testInfo.outputPath('gap-report.png'), fullPage: true });

  // The Excel file: a real workbook; in its first sheet, Hana's row has her marked days (column E)
  // as a number.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('gap-download-xlsx').click()]);
  expect(xlsx.suggestedFilename()).toBe(`gaps-${month}.xlsx`);
  const files = unzip(await body(xlsx));
  const strings = sharedStrings(files.get('xl/sharedStrings.xml')!.toString('utf8'));
  const sheet = files.get('xl/worksheets/sheet1.xml')!.toString('utf8');
  expect(sheet).toContain('ySplit="1"');
  const index = strings.indexOf(hana);
  expect(index, strings.join('|')).toBeGreaterThanOrEqual(0);
  const rows = [...sheet.matchAll(/<row [^>]*>([\s\S]*?)<\/row>/g)].map((m) => m[1]);
  const hers = rows.find((r) => new RegExp(`<c r="A\\d+"[^>]*t="s"[^>]*><v>${index}</v>`).test(r));
  expect(hers, sheet).toBeTruthy();
  const cell = hers!.match(/<c r="E\d+"[^>]*><v>([^<]+)<\/v>/);
  expect(cell, hers).toBeTruthy();
  expect(Number(cell![1])).toBe(marked);

  // The CSV file: UTF-8 with BOM, her row with the same count.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('gap-download-csv').click()]);
  const text = (await body(csv)).toString('utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const line = text.split(/\r?\n/).find((l) => l.startsWith(`${hana},`))!;
  expect(line.split(',')[4]).toBe(String(marked));
});
