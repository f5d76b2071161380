//! Generated RGB8 test images (tightly packed rows).

/// An RGB8 image being painted.
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Canvas {
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Self {
        Canvas { width, height, pixels: rgb.repeat((width * height) as usize) }
    }

    pub fn set(&mut self, x: i64, y: i64, rgb: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let at = (y as usize * self.width as usize + x as usize) * 3;
            self.pixels[at..at + 3].copy_from_slice(&rgb);
        }
    }

    /// Paints every pixel for which `inside(x, y)` holds.
    pub fn paint(&mut self, rgb: [u8; 3], inside: impl Fn(f64, f64) -> bool) {
        for y in 0..self.height as i64 {
            for x in 0..self.width as i64 {
                if inside(x as f64, y as f64) {
                    self.set(x, y, rgb);
                }
            }
        }
    }

    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, rgb: [u8; 3]) {
        self.paint(rgb, |x, y| x >= x0 && x < x1 && y >= y0 && y < y1);
    }

    pub fn ellipse(&mut self, cx: f64, cy: f64, rx: f64, ry: f64, rgb: [u8; 3]) {
        self.paint(rgb, |x, y| ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) <= 1.0);
    }
}

/// A diagonal colour gradient.
pub fn gradient(width: u32, height: u32) -> Canvas {
    let mut c = Canvas::filled(width, height, [0, 0, 0]);
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (x as f64 / width as f64, y as f64 / height as f64);
            c.set(x as i64, y as i64, [(255.0 * u) as u8, (255.0 * v) as u8, (255.0 * (1.0 - u * v)) as u8]);
        }
    }
    c
}

/// Circles, rectangles and a triangle in saturated colours on grey.
pub fn shapes(width: u32, height: u32) -> Canvas {
    let (w, h) = (width as f64, height as f64);
    let mut c = Canvas::filled(width, height, [190, 190, 195]);
    c.rect(0.05 * w, 0.1 * h, 0.35 * w, 0.5 * h, [200, 30, 30]);
    c.ellipse(0.6 * w, 0.35 * h, 0.15 * w, 0.2 * h, [30, 60, 200]);
    c.ellipse(0.3 * w, 0.75 * h, 0.1 * w, 0.1 * w, [240, 200, 20]);
    c.paint([20, 150, 60], |x, y| y > 0.55 * h && y < 0.95 * h && (x - 0.75 * w).abs() < (y - 0.55 * h) * 0.6);
    c
}

/// A page of dark "text lines": short strokes of varying length on white.
pub fn text_page(width: u32, height: u32) -> Canvas {
    let mut c = Canvas::filled(width, height, [250, 250, 248]);
    let mut seed = 7u32;
    let mut y = 12.0;
    while y + 8.0 < height as f64 {
        let mut x = 10.0;
        while x < width as f64 - 20.0 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let word = 6.0 + f64::from((seed >> 16) % 30);
            c.rect(x, y, (x + word).min(width as f64 - 10.0), y + 6.0, [30, 30, 40]);
            x += word + 5.0;
        }
        y += 14.0;
    }
    c
}

/// A person on a video call, drawn with flat shapes: a skin-toned face, neck and hands,
/// dark hair, a blue buttoned shirt with a collar, in front of a bookshelf wall.
pub fn clothed_person(width: u32, height: u32) -> Canvas {
    let (w, h) = (width as f64, height as f64);
    let skin = [224, 172, 140];
    let mut c = Canvas::filled(width, height, [214, 206, 190]);
    for (i, colour) in [[120, 60, 40], [40, 80, 120], [150, 130, 60], [90, 40, 70]].iter().enumerate() {
        let x = 0.05 * w + i as f64 * 0.06 * w;
        c.rect(x, 0.15 * h, x + 0.045 * w, 0.45 * h, *colour);
    }
    c.rect(0.0, 0.45 * h, 0.3 * w, 0.48 * h, [110, 80, 50]);
    // Shirt: a trapezoid from the shoulders down, with a collar and buttons.
    c.paint([40, 70, 140], |x, y| y > 0.62 * h && (x - 0.5 * w).abs() < 0.22 * w + (y - 0.62 * h) * 0.6);
    c.rect(0.46 * w, 0.58 * h, 0.54 * w, 0.66 * h, skin);
    c.paint([235, 235, 240], |x, y| {
        y > 0.62 * h && y < 0.72 * h && (x - 0.5 * w).abs() < 0.08 * w - (y - 0.62 * h) * 0.5
    });
    for i in 0..4 {
        c.ellipse(0.5 * w, 0.75 * h + i as f64 * 0.06 * h, 0.008 * w, 0.008 * w, [230, 230, 230]);
    }
    c.ellipse(0.5 * w, 0.34 * h, 0.13 * w, 0.1 * h, [50, 35, 25]);
    c.ellipse(0.5 * w, 0.42 * h, 0.11 * w, 0.17 * h, skin);
    for eye in [0.46, 0.54] {
        c.ellipse(eye * w, 0.4 * h, 0.015 * w, 0.01 * h, [40, 30, 30]);
    }
    c.rect(0.47 * w, 0.5 * h, 0.53 * w, 0.51 * h, [170, 90, 90]);
    c.ellipse(0.2 * w, 0.93 * h, 0.05 * w, 0.04 * h, skin);
    c
}

/// Uniform random bytes from a fixed seed.
pub fn noise(width: u32, height: u32, seed: u64) -> Canvas {
    let mut state = seed;
    let pixels = (0..width as usize * height as usize * 3)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    Canvas { width, height, pixels }
}
