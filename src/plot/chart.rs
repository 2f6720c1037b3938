//! One chart: axes, an optional grid underneath, lines and dots on top.

use super::grid::Grid;
use super::{PALETTE, save_panels};
use crate::error::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// How a [`Series`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A solid line through the points, in order.
    Line,
    /// A dashed line through the points, in order.
    Dashed,
    /// A filled circle at each point.
    Scatter,
}

/// One set of points on a chart, drawn as a line or as dots.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend entry; empty for none.
    pub label: String,
    /// The (x, y) points. Non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    /// Line, dashed line or scatter.
    pub kind: Kind,
    /// RGB; `None` takes the next colour of [`PALETTE`].
    pub color: Option<(u8, u8, u8)>,
    /// Line width, or dot radius, in pixels.
    pub size: u32,
}

impl Series {
    /// A solid line, 2 px wide.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series::new(label, points, Kind::Line, 2)
    }

    /// A dashed line, 2 px wide.
    pub fn dashed(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series::new(label, points, Kind::Dashed, 2)
    }

    /// Dots of radius 3 px.
    pub fn scatter(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series::new(label, points, Kind::Scatter, 3)
    }

    fn new(label: impl Into<String>, points: Vec<(f64, f64)>, kind: Kind, size: u32) -> Self {
        Series {
            label: label.into(),
            points,
            kind,
            color: None,
            size,
        }
    }

    /// Sets the colour (RGB).
    pub fn color(mut self, rgb: (u8, u8, u8)) -> Self {
        self.color = Some(rgb);
        self
    }

    /// Sets the line width or dot radius in pixels.
    pub fn size(mut self, px: u32) -> Self {
        self.size = px;
        self
    }
}

/// Where a chart's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    /// Top left corner (the default).
    UpperLeft,
    /// Top right corner.
    UpperRight,
    /// Bottom left corner.
    LowerLeft,
    /// Bottom right corner.
    LowerRight,
    /// No legend.
    Hidden,
}

/// One chart: a title, axis labels, optional fixed ranges, an optional [`Grid`] underneath and
/// any number of [`Series`] on top. Build it with the chained methods, then
/// [`save`](Chart::save) it, or lay several out with [`save_panels`].
#[derive(Debug, Clone)]
pub struct Chart {
    title: String,
    x_label: String,
    y_label: String,
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    log_y: bool,
    legend: Legend,
    grid: Option<Grid>,
    series: Vec<Series>,
}

impl Chart {
    /// An empty chart with a title (empty for none).
    pub fn new(title: impl Into<String>) -> Self {
        Chart {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            x_range: None,
            y_range: None,
            log_y: false,
            legend: Legend::UpperLeft,
            grid: None,
            series: Vec::new(),
        }
    }

    /// The x axis description.
    pub fn x_label(mut self, s: impl Into<String>) -> Self {
        self.x_label = s.into();
        self
    }

    /// The y axis description.
    pub fn y_label(mut self, s: impl Into<String>) -> Self {
        self.y_label = s.into();
        self
    }

    /// Fixes the x range; by default it spans the data and the grid.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }

    /// Fixes the y range; by default it spans the data with 5% room on each side.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// A logarithmic y axis (for loss curves). Points with y ≤ 0 are skipped; a fixed
    /// `y_range` is then given in data units, not logarithms.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Moves or hides the legend.
    pub fn legend(mut self, at: Legend) -> Self {
        self.legend = at;
        self
    }

    /// Adds a solid line; see [`Series::line`].
    pub fn line(self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series(Series::line(label, points))
    }

    /// Adds a dashed line; see [`Series::dashed`].
    pub fn dashed(self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series(Series::dashed(label, points))
    }

    /// Adds dots; see [`Series::scatter`].
    pub fn scatter(self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series(Series::scatter(label, points))
    }

    /// Adds a series built by hand (to set its colour or size).
    pub fn series(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Draws `grid` under the series (one grid per chart; a second replaces the first).
    pub fn grid(mut self, grid: Grid) -> Self {
        self.grid = Some(grid);
        self
    }

    /// Writes the chart to `path` at `size` = (width, height) pixels, PNG or SVG by the
    /// extension, and returns the path.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>, size: (u32, u32)) -> Result<PathBuf, Error> {
        save_panels(path, size, (1, 1), std::slice::from_ref(self))
    }

    /// Maps a y value to plotting units (log10 on a log axis); `None` when not drawable.
    fn ty(&self, y: f64) -> Option<f64> {
        let y = if self.log_y {
            if y > 0.0 { y.log10() } else { return None }
        } else {
            y
        };
        y.is_finite().then_some(y)
    }

    /// The x and y ranges in plotting units.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let mut x = (f64::INFINITY, f64::NEG_INFINITY);
        let mut y = x;
        let widen = |r: &mut (f64, f64), v: f64| {
            r.0 = r.0.min(v);
            r.1 = r.1.max(v);
        };
        if let Some(g) = &self.grid {
            widen(&mut x, g.x.0);
            widen(&mut x, g.x.1);
            widen(&mut y, g.y.0);
            widen(&mut y, g.y.1);
        }
        for s in &self.series {
            for &(a, b) in &s.points {
                if let (true, Some(b)) = (a.is_finite(), self.ty(b)) {
                    widen(&mut x, a);
                    widen(&mut y, b);
                }
            }
        }
        let pad = |r: (f64, f64), frac: f64| {
            if !r.0.is_finite() {
                (0.0, 1.0)
            } else if r.1 - r.0 < 1e-12 {
                (r.0 - 0.5, r.1 + 0.5)
            } else {
                let d = (r.1 - r.0) * frac;
                (r.0 - d, r.1 + d)
            }
        };
        let x = self.x_range.unwrap_or_else(|| pad(x, 0.0));
        let y = match self.y_range {
            Some((lo, hi)) => (self.ty(lo).unwrap_or(lo), self.ty(hi).unwrap_or(hi)),
            None if self.grid.is_some() => pad(y, 0.0),
            None => pad(y, 0.05),
        };
        (x, y)
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let ((x0, x1), (y0, y1)) = self.ranges();
        let mut builder = ChartBuilder::on(area);
        builder
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56);
        if !self.title.is_empty() {
            builder.caption(&self.title, ("sans-serif", 20));
        }
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        if let Some(g) = &self.grid {
            let finite = g.values.iter().copied().filter(|v| v.is_finite());
            let lo = finite.clone().fold(f64::INFINITY, f64::min);
            let hi = finite.fold(f64::NEG_INFINITY, f64::max);
            let (dx, dy) = ((g.x.1 - g.x.0) / g.nx as f64, (g.y.1 - g.y.0) / g.ny as f64);
            let cells = g.values.iter().enumerate().map(|(k, &v)| {
                let (i, j) = ((k % g.nx) as f64, (k / g.nx) as f64);
                let (a, b) = (g.x.0 + i * dx, g.y.0 + j * dy);
                Rectangle::new([(a, b), (a + dx, b + dy)], g.color(v, lo, hi).filled())
            });
            chart.draw_series(cells).map_err(err)?;
        }
        let log = self.log_y;
        // On a log axis, label whole decades only.
        let fmt_y = move |v: &f64| match (log, (v - v.round()).abs() < 1e-9) {
            (true, true) => format!("1e{}", v.round()),
            (true, false) => String::new(),
            (false, _) => tick(*v),
        };
        let fmt_x = |v: &f64| tick(*v);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_labels(7)
            .y_labels(if log {
                ((y1 - y0).ceil() as usize + 1).clamp(2, 10)
            } else {
                7
            })
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .label_style(("sans-serif", 13))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE.mix(0.0));
        if self.grid.is_some() {
            mesh.disable_mesh();
        }
        mesh.draw().map_err(err)?;
        let mut next = 0;
        for s in &self.series {
            let (r, gr, b) = s.color.unwrap_or_else(|| {
                next += 1;
                PALETTE[(next - 1) % PALETTE.len()]
            });
            let color = RGBColor(r, gr, b);
            let style = color.stroke_width(s.size);
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|p| p.0.is_finite())
                .filter_map(|&(a, b)| self.ty(b).map(|b| (a, b)))
                .collect();
            let ann = match s.kind {
                Kind::Line => chart.draw_series(LineSeries::new(pts, style)),
                Kind::Dashed => chart.draw_series(DashedLineSeries::new(pts, 8, 5, style)),
                Kind::Scatter => {
                    let dots = pts
                        .into_iter()
                        .map(|p| Circle::new(p, s.size, color.filled()));
                    chart.draw_series(dots)
                }
            }
            .map_err(err)?;
            if !s.label.is_empty() {
                let kind = s.kind;
                // A dot for scatter, a short stroke for lines (the other part transparent).
                let dot = (kind == Kind::Scatter) as u8 as f64;
                ann.label(&s.label).legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(
                            vec![(0, 0), (20, 0)],
                            color.mix(1.0 - dot).stroke_width(2),
                        )
                        + Circle::new((10, 0), 4, color.mix(dot).filled())
                });
            }
        }
        let pos = match self.legend {
            Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
            Legend::UpperRight => SeriesLabelPosition::UpperRight,
            Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
            Legend::LowerRight => SeriesLabelPosition::LowerRight,
            Legend::Hidden => return Ok(()),
        };
        if self.series.iter().any(|s| !s.label.is_empty()) {
            chart
                .configure_series_labels()
                .position(pos)
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(160, 160, 160))
                .draw()
                .map_err(err)?;
        }
        Ok(())
    }
}

/// A tick label: at most four decimals, no trailing zeros, no "-0".
fn tick(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}
