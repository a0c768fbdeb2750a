import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { loginAsAdmin, tokyoToday } from './attendance-data';

/** The day `days` before today in Tokyo, as ALog writes it (YYYY/MM/DD). */
function daysAgo(days: number): string {
  const d = new Date(`${tokyoToday()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10).replaceAll('-', '/');
}

/**
 * An ALog CSV of 6,000 logons (about 600 KB) 100 days ago — inside the retention, outside the
 * months the other tests compute — with one line that cannot be read.
 */
function alogFile(): string {
  const day = daysAgo(100);
  const lines = ['not a time,IMPORT\\nobody,DC001,PC,LOGON,'];
  for (let i = 0; i < 6000; i++) {
    const h = String(8 + Math.floor(i / 3600)).padStart(2, '0');
    const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
    const s = String(i % 60).padStart(2, '0');
    lines.push(`${day} ${h}:${m}:${s},IMPORT\\user${i % 40},DC001,PC${i % 40},LOGON,ClientName:PC${i % 40} LogonType:Script Note:padding-for-the-upload`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kinmu-e2e-import-'));
  const file = join(dir, 'alog-import.csv');
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  return file;
}

test('access logs uploaded from the browser: progress, summary, duplicates, retention and the history', async ({ page }, testInfo) => {
  await loginAsAdmin(page);

  // The empty console says where logs come from and leads to the import page.
  await page.getByTestId('nav-attendance').click();
  const empty = page.getByTestId('att-empty');
  await expect(empty).toContainText('Attendance is computed from access logs');
  await empty.getByTestId('att-go-imports').click();
  await expect(page).toHaveURL(/\/attendance\/imports$/);
  await expect(page.getByRole('heading', { name: 'Import access logs' })).toBeVisible();

  // The file picker is a labelled input reached by keyboard.
  const input = page.getByLabel('Drop log files here, or choose them.');
  await input.focus();
  await expect(input).toBeFocused();

  // Uploaded slowly (100 KB/s), the file shows its progress, then its summary.
  const file = alogFile();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100 * 1024 });
  await input.setInputFiles(file);
  const first = page.getByTestId('import-file').first();
  await expect(first.locator('h3')).toHaveText('alog-import.csv');
  await expect(first.locator('progress')).toBeVisible();
  await expect(first.getByTestId('import-imported')).toHaveText('6000', { timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(first.getByTestId('import-read')).toHaveText('6000');
  await expect(first.getByTestId('import-duplicates')).toHaveText('0');
  await expect(first.getByTestId('import-rejected')).toHaveText('1');
  await expect(first.getByTestId('import-rejects')).toContainText('Line 1:');

  // The same file again adds nothing.
  await input.setInputFiles(file);
  const again = page.getByTestId('import-file').first();
  await expect(again.getByTestId('import-duplicates')).toHaveText('6000', { timeout: 30_000 });
  await expect(again.getByTestId('import-imported')).toHaveText('0');

  // A real Windows log from years ago: its events are older than the retention, and left out.
  await input.setInputFiles(resolve(__dirname, '../../../shared/data/evtx/DE_RDP_Tunneling_4624.evtx'));
  const old = page.getByTestId('import-file').first();
  await expect(old.getByTestId('import-older')).toHaveText('18 events are older than the retention and were left out.', { timeout: 30_000 });
  await expect(old.getByTestId('import-imported')).toHaveText('0');

  // A JSON lines file dropped on the page is uploaded too.
  const when = `${daysAgo(100).replaceAll('/', '-')}T09:00:00+09:00`;
  const dropped = await page.evaluateHandle((when) => {
    const data = new DataTransfer();
    const line = JSON.stringify({ time: when, user: 'IMPORT\\dropped', host: 'DC01', operation: 'LOGON', LogonType: 'Script' });
    data.items.add(new File([line + '\n'], 'dropped.jsonl', { type: 'application/json' }));
    return data;
  }, when);
  await page.getByTestId('import-drop').dispatchEvent('dragover', { dataTransfer: dropped });
  await page.getByTestId('import-drop').dispatchEvent('drop', { dataTransfer: dropped });
  const drop = page.getByTestId('import-file').first();
  await expect(drop.locator('h3')).toHaveText('dropped.jsonl');
  await expect(drop.getByTestId('import-imported')).toHaveText('1', { timeout: 30_000 });

  // The history: every upload, newest first, with its source and counts.
  const history = page.getByTestId('import-history').locator('tbody tr');
  await expect(history).toHaveCount(4);
  await expect(history.first()).toContainText('dropped.jsonl');
  await expect(history.nth(1)).toContainText('DE_RDP_Tunneling_4624.evtx');
  for (const row of await history.all()) {
    await expect(row.getByTestId('history-source')).toHaveText('upload');
    await expect(row).toContainText('admin');
  }
  await expect(history.nth(2).getByTestId('history-imported')).toHaveText('0');
  await expect(history.nth(3).getByTestId('history-imported')).toHaveText('6000');
  await page.screenshot({ path: testInfo.outputPath('import-page.png'), fullPage: true });
  // The same page in Japanese.
  await page.getByTestId('language-switch').click();
  try {
    await expect(page.getByTestId('nav-users')).toHaveText('ユーザー');
    await expect(history.first().getByTestId('history-source')).not.toHaveText('upload');
    await page.screenshot({ path: testInfo.outputPath('import-page-ja.png'), fullPage: true });
  } finally {
    // The other tests expect the administrator to read English.
    if ((await page.locator('html').getAttribute('lang')) === 'ja') await page.getByTestId('language-switch').click();
  }
});

test('the rules page edits the accounts that are not people', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-attendance-admin').click();
  await page.getByTestId('subnav-rules').click();
  const list = page.getByTestId('rules-form').getByTestId('rules-excluded');
  await expect(list).toHaveValue(/NT AUTHORITY\\\*\nSYSTEM\n.*\*\$\nDWM-\*\nUMFD-\*/s);
  const before = await list.inputValue();
  await list.fill(`${before}\nSAMPLE\\svc-*`);
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status').first()).toHaveText('Saved');
  await page.reload();
  await expect(page.getByTestId('rules-form').getByTestId('rules-excluded')).toHaveValue(`${before}\nSAMPLE\\svc-*`);
  // A line that would leave out everyone is refused at its section.
  await page.getByTestId('rules-form').getByTestId('rules-excluded').fill(`${before}\n*`);
  await page.getByTestId('rules-save').click();
  await expect(page.getByTestId('rules-form').getByTestId('excluded_accounts-error')).toBeVisible();
  await page.getByTestId('rules-form').getByTestId('rules-excluded').fill(before);
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status').first()).toHaveText('Saved');
});
