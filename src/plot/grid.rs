//! Values on a regular grid of cells, coloured: decision regions, loss surfaces.

use super::PALETTE;
use plotters::style::RGBColor;

/// How a [`Grid`]'s values become colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Colormap {
    /// Dark blue (lowest value) through green to yellow (highest), smoothly.
    Continuous,
    /// As `Continuous`, cut into this many equal bands, so band edges read as contour lines.
    Bands(usize),
    /// Values are P(class 1) in [0, 1]: light `PALETTE[0]` below ½, light `PALETTE[1]` above,
    /// paler near ½ so the decision boundary shows as a pale seam.
    TwoClass,
}

/// Values on a regular nx × ny grid of cells covering a rectangle, drawn as filled cells
/// under a chart's series: decision regions, loss surfaces.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The x extent (left, right).
    pub x: (f64, f64),
    /// The y extent (bottom, top).
    pub y: (f64, f64),
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// One value per cell, row-major from the bottom row: cell (i, j) is `values[j * nx + i]`.
    pub values: Vec<f64>,
    /// How values map to colours.
    pub colormap: Colormap,
}

impl Grid {
    /// A grid with value `f(x, y)` at each cell's centre, coloured [`Colormap::Continuous`].
    pub fn from_fn(
        x: (f64, f64),
        y: (f64, f64),
        nx: usize,
        ny: usize,
        mut f: impl FnMut(f64, f64) -> f64,
    ) -> Self {
        let values = Grid::centers(x, y, nx, ny)
            .into_iter()
            .map(|(a, b)| f(a, b))
            .collect();
        Grid::from_values(x, y, nx, ny, values)
    }

    /// A grid with the given values, one per cell in the order of [`Grid::centers`]; use it
    /// when a model evaluates all centres in one batch.
    ///
    /// # Panics
    /// When `values.len() != nx * ny`.
    #[track_caller]
    pub fn from_values(
        x: (f64, f64),
        y: (f64, f64),
        nx: usize,
        ny: usize,
        values: Vec<f64>,
    ) -> Self {
        if values.len() != nx * ny {
            grid_len_panic(values.len(), nx, ny);
        }
        Grid {
            x,
            y,
            nx,
            ny,
            values,
            colormap: Colormap::Continuous,
        }
    }

    /// The centres of the nx × ny cells covering `x` × `y`, row-major from the bottom row.
    pub fn centers(x: (f64, f64), y: (f64, f64), nx: usize, ny: usize) -> Vec<(f64, f64)> {
        let (dx, dy) = ((x.1 - x.0) / nx as f64, (y.1 - y.0) / ny as f64);
        (0..ny)
            .flat_map(|j| (0..nx).map(move |i| (i, j)))
            .map(|(i, j)| (x.0 + (i as f64 + 0.5) * dx, y.0 + (j as f64 + 0.5) * dy))
            .collect()
    }

    /// Sets the colormap.
    pub fn colormap(mut self, c: Colormap) -> Self {
        self.colormap = c;
        self
    }

    pub(super) fn color(&self, v: f64, lo: f64, hi: f64) -> RGBColor {
        match self.colormap {
            Colormap::TwoClass => {
                let p = if v.is_finite() {
                    v.clamp(0.0, 1.0)
                } else {
                    0.5
                };
                let (c, strength) = if p < 0.5 {
                    (PALETTE[0], 1.0 - 2.0 * p)
                } else {
                    (PALETTE[1], 2.0 * p - 1.0)
                };
                // Tint towards white: strength 1 gives 45% colour, strength 0 plain white.
                let t = 0.45 * strength.sqrt();
                let mix = |c: u8| (255.0 + t * (f64::from(c) - 255.0)).round() as u8;
                RGBColor(mix(c.0), mix(c.1), mix(c.2))
            }
            Colormap::Continuous | Colormap::Bands(_) => {
                let mut t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                t = if t.is_finite() {
                    t.clamp(0.0, 1.0)
                } else {
                    1.0
                };
                if let Colormap::Bands(n) = self.colormap {
                    let n = n.max(1) as f64;
                    t = ((t * n).floor().min(n - 1.0) + 0.5) / n;
                }
                ramp(t)
            }
        }
    }
}

#[cold]
#[track_caller]
fn grid_len_panic(len: usize, nx: usize, ny: usize) -> ! {
    panic!(
        "plot::Grid: {len} values for a {nx} × {ny} grid (needs {})",
        nx * ny
    )
}

/// A viridis-like ramp: t = 0 dark blue, 0.5 teal-green, 1 yellow.
fn ramp(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let s = t * (STOPS.len() - 1) as f64;
    let k = (s.floor() as usize).min(STOPS.len() - 2);
    let f = s - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let lerp = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}
