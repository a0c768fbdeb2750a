// Files in and out of the users and organisations pages, as a Japanese administrator's Excel
// writes and reads them: Shift_JIS uploads, downloads saved byte for byte in the chosen
// encoding, a broken organisations line reported, and the pages' width and keyboard focus.
import { execFileSync } from 'node:child_process';
import { expect, test, type Download, type Page } from '@playwright/test';
import { admin, company, ensureSetUp, isHome, login } from './fixtures';

/** `text` in Shift_JIS, as Excel saves a CSV in Japan (iconv ships with every Linux). */
const shiftJis = (text: string): Buffer => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'SHIFT_JIS'], { input: text });

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const department = '営業部';
const person = { login: 'sjis-sato', name: '佐藤 花子' };

async function loginAsAdmin(page: Page) {
  await ensureSetUp(page);
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
}

async function bytesOf(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray());
}

test('a Shift_JIS CSV saved by Excel is imported with its Japanese names; a broken line is a row error', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-organizations').click();
  await page.getByTestId('csv-import').setInputFiles({
    name: 'organizations.csv',
    mimeType: 'text/csv',
    buffer: shiftJis(`path\r\n${company} / ${department}\r\n/ 壊れた行 /\r\n`),
  });
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Created: 1');
  await expect(report.locator('tbody tr')).toHaveCount(1);
  await expect(report.locator('tbody tr td').first()).toHaveText('3');
  await expect(report.locator('tbody tr')).toContainText('empty part');
  await expect(page.getByTestId(`org-${department}`)).toBeVisible();
  await expect(page.getByTestId('org-壊れた行')).toHaveCount(0);

  await page.getByTestId('nav-users').click();
  await page.getByTestId('csv-import').setInputFiles({
    name: 'users.csv',
    mimeType: 'text/csv',
    buffer: shiftJis(`login,display_name,organization\r\n${person.login},${person.name},${company} / ${department}\r\n`),
  });
  await expect(page.getByTestId('import-report')).toContainText('Created: 1');
  await page.getByLabel('Search login or name').fill(person.login);
  await page.getByTestId('user-search-submit').click();
  const row = page.getByTestId(`user-row-${person.login}`);
  await expect(row).toContainText(person.name);
  await expect(row).toContainText(department);
});

test('users and organisations CSV downloads are saved byte for byte in the chosen encoding', async ({ page }) => {
  await loginAsAdmin(page);
  for (const [nav, file, route, japanese] of [
    ['nav-users', 'users.csv', 'users/export', person.name],
    ['nav-organizations', 'organizations.csv', 'organizations/export', department],
  ]) {
    await page.getByTestId(nav).click();
    for (const encoding of ['utf-8-bom', 'utf-8', 'shift_jis']) {
      await page.getByTestId('csv-encoding').selectOption(encoding);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-export').click()]);
      expect(download.suggestedFilename()).toBe(file);
      const saved = await bytesOf(download);
      const sent = await (await page.request.get(`./api/v1/${route}?encoding=${encoding}`)).body();
      expect(saved.equals(sent), `${file} ${encoding}: the saved file is what the server sent`).toBe(true);
      expect(saved.subarray(0, 3).equals(BOM), `${file} ${encoding}: BOM`).toBe(encoding === 'utf-8-bom');
      const name = encoding === 'shift_jis' ? shiftJis(japanese) : Buffer.from(japanese, 'utf8');
      expect(saved.includes(name), `${file} ${encoding}: ${japanese} in its bytes`).toBe(true);
    }
  }
});

test('the users and organisations pages fit 1366 px; the import control shows its keyboard focus', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await loginAsAdmin(page);
  for (const nav of ['nav-users', 'nav-organizations']) {
    await page.getByTestId(nav).click();
    await expect(page.getByTestId('csv-import')).toBeAttached();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), nav).toBeLessThanOrEqual(1366);
    await page.getByTestId('csv-encoding').focus();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('csv-import')).toBeFocused();
    const ring = await page.locator('.csv-transfer label.button').evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(ring.style, nav).not.toBe('none');
    expect(ring.width, nav).toBeGreaterThan(0);
  }
});
