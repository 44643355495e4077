// Real-browser test of the page (web/index.html) and the widget (web/blog-example.html) in headless
// Debian Chromium, driven by playwright-core. Serves the repo root itself on 127.0.0.1 (random port).
// Run: cd tests/browser && npm install && npm test   (needs the wasm build in wasm/dist/)
// Env: FONTGAN_CHROMIUM (default /usr/bin/chromium), FONTGAN_SCREENSHOT (default /tmp/fontgan-page.png).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.FONTGAN_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.FONTGAN_SCREENSHOT ?? '/tmp/fontgan-page.png';

// ---------------------------------------------------------------------------------------------------
// A static server for the repo root (what `python3 -m http.server` does, with the same MIME types)

const MIME = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
    '.png': 'image/png', '.svg': 'image/svg+xml', '.bin': 'application/octet-stream',
};

function startServer() {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://localhost');
        let file = path.join(REPO, decodeURIComponent(url.pathname));
        if (!file.startsWith(REPO)) { res.writeHead(403).end(); return; }
        if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
        fs.readFile(file, (err, data) => {
            if (err) { res.writeHead(404).end('not found'); return; }
            res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
            res.end(data);
        });
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------------
// In-page probes

// Number of pixels with some ink (alpha > 16) in a canvas, found by selector (optionally in a shadow root).
const inkPixels = (page, selector, host = null) => page.evaluate(([selector, host]) => {
    const root = host ? document.querySelector(host).shadowRoot : document;
    const canvas = root.querySelector(selector);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 16) n++;
    return n;
}, [selector, host]);

// A fingerprint of every grid glyph's pixels.
const gridPixels = (page) => page.$$eval('#grid canvas', (canvases) => canvases.map((c) =>
    Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(',')).join('|'));

// A fingerprint of a canvas' pixels.
const pixels = (page, selector, host = null) => page.evaluate(([selector, host]) => {
    const root = host ? document.querySelector(host).shadowRoot : document;
    const canvas = root.querySelector(selector);
    return `${canvas.width}x${canvas.height}:` + Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data).join(',');
}, [selector, host]);

function watchErrors(page) {
    const errors = [];
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()}`));
    page.on('response', (res) => { if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`); });
    return errors;
}

// ---------------------------------------------------------------------------------------------------

let server, context, base, userDataDir;

test.before(async () => {
    assert.ok(fs.existsSync(path.join(REPO, 'wasm', 'dist', 'fontgan_wasm.wasm')), 'build the wasm module first (wasm/dist/)');
    server = await startServer();
    base = `http://127.0.0.1:${server.address().port}`;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fontgan-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--no-first-run'],
        viewport: { width: 1280, height: 900 },
    });
});

test.after(async () => {
    await context?.close();
    server?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

test('the page loads without errors, draws, animates, writes what you type, and keeps its state in the URL', async (t) => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/web/`);
    await page.waitForSelector('body.ready', { timeout: 20000 });
    await page.waitForTimeout(1200);   // let the intro morph finish

    await t.test('no console errors', () => assert.deepEqual(errors, []));

    await t.test('canvases are not blank', async () => {
        const cells = await page.$$eval('#grid canvas', (c) => c.length);
        assert.ok(cells > 0, 'the grid has glyphs');
        for (const selector of ['#grid .cell:first-child canvas', '#grid .cell:last-child canvas', '#text-canvas',
                                '#morph-canvas', '#strip-canvas', '#surprise-grid .cell:first-child canvas']) {
            const n = await inkPixels(page, selector);
            assert.ok(n > 20, `${selector} has only ${n} inked pixels`);
        }
    });

    await t.test('the animation advances between frames', async () => {
        const a = await gridPixels(page);
        await page.waitForTimeout(400);
        const b = await gridPixels(page);
        assert.notEqual(a, b, 'no grid glyph changed in 400 ms');
        const rate = await page.textContent('#stat-rate');
        assert.match(rate, /^[\d,]+$/, `glyphs/s readout: ${rate}`);
        // pause stops it
        await page.click('#pause');
        await page.waitForTimeout(150);
        const c = await gridPixels(page);
        await page.waitForTimeout(300);
        assert.equal(await gridPixels(page), c, 'paused glyphs still move');
        assert.equal(await page.getAttribute('#pause', 'aria-pressed'), 'true');
        await page.click('#pause');
    });

    // Characters the model knows, taken from the page's own grid.
    const chars = await page.$$eval('#grid .cell', (cells) => cells.map((c) => c.dataset.char));
    const typed = chars.slice(0, 4).join('') + ' ' + chars.slice(-3).join('');

    await t.test('typing changes the text canvas', async () => {
        const before = await pixels(page, '#text-canvas');
        await page.fill('#text-input', '');
        await page.type('#text-input', typed, { delay: 20 });
        await page.waitForTimeout(900);
        const after = await pixels(page, '#text-canvas');
        assert.notEqual(after, before);
        assert.ok(await inkPixels(page, '#text-canvas') > 50);
        assert.match(await page.getAttribute('#text-canvas', 'aria-label'), new RegExp(typed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    await t.test('the URL hash round-trips', async () => {
        await page.click('#surprise');
        await page.selectOption('#morph-a', chars[1]);
        await page.selectOption('#morph-b', '~2');
        await page.check('input[name="mode"][value="lerp"]');
        await page.fill('#morph-t', '0.3');   // scrubbing stops the morph's playback at t = 0.3
        await page.dispatchEvent('#morph-t', 'input');
        await page.waitForTimeout(600);
        const hash = await page.evaluate(() => location.hash);
        const params = new URLSearchParams(hash.slice(1));
        assert.equal(params.get('text'), typed);
        assert.equal(params.get('a'), chars[1]);
        assert.equal(params.get('b'), '~2');
        assert.equal(params.get('mode'), 'lerp');
        assert.equal(params.get('t'), '0.300');
        const labels = await page.$$eval('#surprise-grid .cell-label', (l) => l.map((x) => x.textContent));

        await page.reload();
        await page.waitForSelector('body.ready', { timeout: 20000 });
        await page.waitForTimeout(800);
        assert.equal(await page.inputValue('#text-input'), typed);
        assert.equal(await page.inputValue('#morph-a'), chars[1]);
        assert.equal(await page.inputValue('#morph-b'), '~2');
        assert.equal(await page.isChecked('input[name="mode"][value="lerp"]'), true);
        assert.equal(Number(await page.inputValue('#morph-t')).toFixed(3), '0.300');
        assert.deepEqual(await page.$$eval('#surprise-grid .cell-label', (l) => l.map((x) => x.textContent)), labels,
                         'the surprise seed came back');
        assert.equal(await page.evaluate(() => location.hash), hash);
        assert.deepEqual(errors, []);
    });

    await t.test('the text downloads as a PNG', async () => {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
        assert.match(download.suggestedFilename(), /^fontgan-.*\.png$/);
        const file = await download.path();
        const head = fs.readFileSync(file).subarray(0, 8);
        assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    });

    await t.test('works on a phone-sized screen', async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.waitForTimeout(300);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px on a phone`);
        await page.setViewportSize({ width: 1280, height: 900 });
    });

    await page.goto(`${base}/web/#text=${encodeURIComponent(typed)}`);
    await page.waitForSelector('body.ready', { timeout: 20000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
});

test('the widget renders in the sample blog page', async () => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/web/blog-example.html`);
    await page.waitForFunction(() => {
        const canvas = document.querySelector('#hero-widget')?.shadowRoot?.querySelector('canvas');
        return canvas && canvas.width > 28;
    }, null, { timeout: 20000 });
    await page.waitForTimeout(800);
    for (const id of ['#hero-widget', '#inline-widget', '#dark-widget', '#still-widget']) {
        const n = await inkPixels(page, 'canvas', id);
        assert.ok(n > 20, `${id} has only ${n} inked pixels`);
    }
    const a = await pixels(page, 'canvas', '#hero-widget');
    await page.waitForTimeout(400);
    assert.notEqual(await pixels(page, 'canvas', '#hero-widget'), a, 'the animated widget does not move');
    const s = await pixels(page, 'canvas', '#still-widget');
    await page.waitForTimeout(300);
    assert.equal(await pixels(page, 'canvas', '#still-widget'), s, 'a widget without `animate` moves');
    assert.equal(await page.getAttribute('#hero-widget', 'aria-label'), 'Hello World');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '') + '-blog.png', fullPage: true });
    await page.close();
});
