// <fontgan-text>: GAN handwriting for any page.
//
//   <script type="module" src="https://example.org/fontgan/web/fontgan-widget.js"></script>
//   <fontgan-text text="Hello" animate></fontgan-text>
//
// Attributes (all optional but text):
//   text      what to write (letters and digits; other characters leave a gap)
//   animate   present: the glyphs drift around their addresses in latent space
//   size      glyph height in CSS pixels (default 48)
//   ink       stroke colour, '#rgb' / '#rrggbb' / '#rrggbbaa' (default: the element's CSS colour)
//   paper     background colour (default transparent)
//   speed     animation speed (default 1)
//   wander    how far the glyphs drift, 0..1 (default 0.35)
//
// The widget imports ../wasm/fontgan.js relative to itself: host web/ and wasm/ (with wasm/dist/) side by
// side, as in this repo. Every widget on a page shares one module instance (one loadFontGAN() promise) and one animation loop
// that renders all animated, visible widgets with a single generator call per frame.
import { loadFontGAN } from '../wasm/fontgan.js';

let ganPromise = null;
const getGAN = () => (ganPromise ??= loadFontGAN());

const ADVANCE = 19 / 28, PAD = 2;   // glyph advance as a fraction of the glyph width; padding in pixels

// ---------------------------------------------------------------------------------------------------
// The shared loop

const animated = new Set();
let loop = { running: false, batch: null, gan: null };

function startLoop(gan) {
    loop.gan = gan;
    if (loop.running) return;
    loop.running = true;
    requestAnimationFrame(tick);
}

function tick(now) {
    let total = 0;
    for (const w of animated) if (w.visible) total += w.glyphCount;
    if (!animated.size) { loop.running = false; return; }
    requestAnimationFrame(tick);
    if (!total) return;
    const gan = loop.gan;
    if (!loop.batch || loop.batch.capacity < total) {
        loop.batch?.dispose();
        loop.batch = gan.createBatch(Math.max(total, 2 * (loop.batch?.capacity ?? 8)));
    }
    const batch = loop.batch;
    const z = batch.z;
    let j = 0;
    for (const w of animated) if (w.visible) j = w.writeLatents(z, j, now / 1000);
    batch.run(j);
    const images = batch.images;
    j = 0;
    for (const w of animated) if (w.visible) j = w.drawFrom(images, j);
}

// ---------------------------------------------------------------------------------------------------
// Colours

function parseCss(color) {
    let m = /^#([0-9a-f]{3,8})$/i.exec(color.trim());
    if (m) {
        let hex = m[1];
        if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
        if (hex.length === 6 || hex.length === 8)
            return [0, 2, 4, 6].map((i) => (i < hex.length ? parseInt(hex.slice(i, i + 2), 16) : 255));
    }
    m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(color.trim());
    if (m) {
        let a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
        return [+m[1], +m[2], +m[3], Math.round(a * 255)];
    }
    if (color.trim() === 'transparent') return [0, 0, 0, 0];
    return null;
}

// ---------------------------------------------------------------------------------------------------
// The element

class FontGANText extends HTMLElement {
    static observedAttributes = ['text', 'animate', 'size', 'ink', 'paper', 'speed', 'wander'];

    #gan = null; #canvas; #context; #image = null; #alpha = null;
    #glyphs = [];   // {x, base, n1, n2, phase, image}
    #seconds = 0; #last = 0;
    visible = true;

    constructor() {
        super();
        const root = this.attachShadow({ mode: 'open' });
        root.innerHTML = `<style>
            :host { display: inline-block; vertical-align: middle; line-height: 0; }
            canvas { display: block; image-rendering: auto; }
        </style><canvas part="canvas"></canvas>`;
        this.#canvas = root.querySelector('canvas');
        this.#context = this.#canvas.getContext('2d');
    }

    get glyphCount() { return this.#glyphs.length; }

    connectedCallback() {
        if (!this.hasAttribute('role')) this.setAttribute('role', 'img');
        this.#observer ??= new IntersectionObserver((entries) => {
            for (const e of entries) this.visible = e.isIntersecting;
        });
        this.#observer.observe(this);
        getGAN().then((gan) => {
            this.#gan = gan;
            this.#rebuild();
        }, (error) => {
            console.error('fontgan-text: could not load the generator:', error);
            this.setAttribute('aria-label', this.getAttribute('text') ?? '');
        });
    }

    disconnectedCallback() {
        animated.delete(this);
        this.#observer?.disconnect();
    }

    attributeChangedCallback() {
        if (this.#gan) this.#rebuild();
    }

    #observer = null;

    #number(name, fallback, lo, hi) {
        const v = Number(this.getAttribute(name));
        return this.hasAttribute(name) && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
    }

    #rebuild() {
        const gan = this.#gan;
        const text = this.getAttribute('text') ?? '';
        this.setAttribute('aria-label', text);
        const resolve = (ch) => {
            if (gan.indexOf(ch) >= 0) return ch;
            for (const alt of [ch.toUpperCase(), ch.toLowerCase()]) if (gan.indexOf(alt) >= 0) return alt;
            return null;
        };
        const advance = Math.round(gan.width * ADVANCE);
        const chars = [...text];
        this.#glyphs = [];
        chars.forEach((c, i) => {
            const ch = resolve(c);
            if (!ch) return;
            this.#glyphs.push({
                x: PAD + i * advance,
                base: gan.latent(ch),
                n1: gan.randomLatent(2e9 + i * 2 + chars.length * 1000),
                n2: gan.randomLatent(2e9 + i * 2 + 1 + chars.length * 1000),
                phase: i * 1.9,
                image: new Float32Array(gan.width * gan.height),
            });
        });
        const w = Math.max(1, PAD * 2 + Math.max(0, chars.length - 1) * advance + gan.width);
        const h = gan.height + PAD * 2;
        this.#canvas.width = w; this.#canvas.height = h;
        this.#image = this.#context.createImageData(w, h);
        this.#alpha = new Float32Array(w * h);
        const size = this.#number('size', 48, 8, 512);
        this.#canvas.style.height = `${size}px`;
        this.#canvas.style.width = `${(size * w) / h}px`;

        const ink = parseCss(this.getAttribute('ink') ?? '') ?? parseCss(getComputedStyle(this).color) ?? [0, 0, 0, 255];
        this.#ink = ink;
        this.#paper = parseCss(this.getAttribute('paper') ?? '') ?? [0, 0, 0, 0];
        this.#speed = this.#number('speed', 1, 0, 10);
        this.#wander = this.#number('wander', 0.35, 0, 1);

        if (this.hasAttribute('animate') && this.#glyphs.length) {
            animated.add(this);
            startLoop(gan);
        } else {
            animated.delete(this);
            this.#renderStill();
        }
    }

    #ink; #paper; #speed; #wander;

    #renderStill() {
        const gan = this.#gan, dim = gan.latentDim, count = this.#glyphs.length;
        if (count) {
            const z = new Float32Array(count * dim);
            this.#glyphs.forEach((g, i) => z.set(g.base, i * dim));
            const images = gan.generate(z);
            this.#glyphs.forEach((g, i) => g.image.set(images.subarray(i * g.image.length, (i + 1) * g.image.length)));
        }
        this.#composite();
    }

    /** @internal shared loop: writes this widget's latents into z from slot j; returns the next slot. */
    writeLatents(z, j, seconds) {
        const dt = this.#last ? Math.min(0.1, seconds - this.#last) : 0;
        this.#last = seconds;
        this.#seconds += dt * this.#speed;
        const dim = this.#gan.latentDim, amp = this.#wander;
        for (const g of this.#glyphs) {
            const angle = g.phase + this.#seconds * 0.9;
            const c = amp * Math.cos(angle), s = amp * Math.sin(angle);
            const o = j * dim;
            for (let k = 0; k < dim; k++) z[o + k] = g.base[k] + c * g.n1[k] + s * g.n2[k];
            j++;
        }
        return j;
    }

    /** @internal shared loop: takes this widget's images from slot j; returns the next slot. */
    drawFrom(images, j) {
        for (const g of this.#glyphs) {
            const p = g.image.length;
            for (let k = 0, q = j * p; k < p; k++, q++) g.image[k] = images[q];
            j++;
        }
        this.#composite();
        return j;
    }

    // Overlapping glyphs merge (max of their inks), then ink over paper.
    #composite() {
        const gan = this.#gan, image = this.#image, alpha = this.#alpha, w = image.width;
        const gw = gan.width, gh = gan.height, lo = gan.outMin, range = gan.outMax - gan.outMin;
        alpha.fill(0);
        for (const g of this.#glyphs) {
            for (let y = 0; y < gh; y++) {
                const row = (PAD + y) * w + g.x;
                for (let x = 0; x < gw; x++) {
                    const a = (g.image[y * gw + x] - lo) / range;
                    if (a > alpha[row + x]) alpha[row + x] = a;
                }
            }
        }
        const ink = this.#ink, paper = this.#paper, data = image.data;
        for (let p = 0, q = 0; p < alpha.length; p++, q += 4) {
            const a = alpha[p] < 0 ? 0 : alpha[p] > 1 ? 1 : alpha[p];
            const ia = (ink[3] / 255) * a, pa = (paper[3] / 255) * (1 - a), out = ia + pa;
            data[q] = out ? (ink[0] * ia + paper[0] * pa) / out : 0;
            data[q + 1] = out ? (ink[1] * ia + paper[1] * pa) / out : 0;
            data[q + 2] = out ? (ink[2] * ia + paper[2] * pa) / out : 0;
            data[q + 3] = out * 255;
        }
        this.#context.putImageData(image, 0, 0);
    }
}

if (!customElements.get('fontgan-text')) customElements.define('fontgan-text', FontGANText);

export { FontGANText, getGAN };
