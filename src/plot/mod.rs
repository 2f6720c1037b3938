//! Charts as PNG or SVG, for the examples and the README: line charts, scatter plots and
//! filled grids (decision regions, contour bands), one chart per file or several in a grid.
//!
//! Drawing goes through [`plotters`](https://docs.rs/plotters) with no system libraries: the
//! font is DejaVu Sans, compiled into the crate and registered on first use. The file format
//! follows the extension: `.svg` gives SVG, anything else PNG.
//!
//! ```
//! use tapegrad::plot::{self, Chart};
//!
//! let dir = plot::output_dir(Some(std::env::temp_dir().join("tapegrad-doc-plot")))?;
//! let square: Vec<(f64, f64)> = (-20..=20).map(|k| k as f64 / 10.0).map(|x| (x, x * x)).collect();
//! let path = Chart::new("y = x²")
//!     .x_label("x")
//!     .line("x²", square)
//!     .scatter("", vec![(0.0, 0.0)])
//!     .save(dir.join("square.png"), (400, 300))?;
//! assert!(path.exists());
//! # Ok::<(), tapegrad::Error>(())
//! ```

mod chart;
mod grid;

pub use chart::{Chart, Kind, Legend, Series};
pub use grid::{Colormap, Grid};

use crate::error::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Where pictures go when the user names no directory: `target/plots/`.
pub const DEFAULT_DIR: &str = "target/plots";

/// Ten distinct colours (Tableau 10), as RGB. Series without a colour of their own take them
/// in order; [`Colormap::TwoClass`] tints with the first two, so scatter points drawn with
/// `PALETTE[0]` and `PALETTE[1]` match their regions.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Creates the output directory (with its parents) and returns it: `dir` if given, else
/// [`DEFAULT_DIR`]. Examples pass their first command-line argument:
/// `plot::output_dir(std::env::args().nth(1))`.
///
/// # Errors
/// [`Error::Io`] when the directory cannot be created.
pub fn output_dir(dir: Option<impl Into<PathBuf>>) -> Result<PathBuf, Error> {
    let dir = dir.map_or_else(|| PathBuf::from(DEFAULT_DIR), Into::into);
    std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
        context: format!("creating the plot directory {}", dir.display()),
        message: e.to_string(),
    })?;
    Ok(dir)
}

/// Registers the bundled DejaVu Sans as plotters' `sans-serif`, `serif` and `monospace`
/// fonts. Runs once per process; [`Chart::save`] and [`save_panels`] call it for you.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        for family in ["sans-serif", "serif", "monospace"] {
            // The bytes are a known-good font compiled into the crate, so this cannot fail.
            let _ = plotters::style::register_font(family, FontStyle::Normal, FONT);
        }
    });
}

/// Lays `charts` out in a `grid` = (rows, columns) on one picture of `size` = (width,
/// height) pixels, row by row, and writes it to `path` (PNG or SVG by the extension).
/// Returns the path.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written, or when there are more charts than cells.
pub fn save_panels(
    path: impl AsRef<Path>,
    size: (u32, u32),
    grid: (usize, usize),
    charts: &[Chart],
) -> Result<PathBuf, Error> {
    register_font();
    let path = path.as_ref();
    let io = |message: String| Error::Io {
        context: format!("drawing {}", path.display()),
        message,
    };
    if charts.len() > grid.0 * grid.1 {
        return Err(io(format!(
            "{} charts do not fit a {} × {} grid",
            charts.len(),
            grid.0,
            grid.1
        )));
    }
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        draw_all(
            SVGBackend::new(path, size).into_drawing_area(),
            grid,
            charts,
        )
    } else {
        draw_all(
            BitMapBackend::new(path, size).into_drawing_area(),
            grid,
            charts,
        )
    }
    .map_err(io)?;
    Ok(path.to_path_buf())
}

fn draw_all<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    grid: (usize, usize),
    charts: &[Chart],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    for (area, chart) in root.split_evenly(grid).iter().zip(charts) {
        chart.draw(area)?;
    }
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Width and height from a PNG's IHDR chunk.
    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        let be = |k: usize| u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap());
        (be(16), be(20))
    }

    fn tmp(name: &str) -> PathBuf {
        output_dir(Some(std::env::temp_dir().join("tapegrad-plot-tests")))
            .unwrap()
            .join(name)
    }

    #[test]
    fn line_chart_png_has_the_requested_size() {
        let pts = (0..50)
            .map(|k| (k as f64, (k as f64 / 5.0).sin()))
            .collect();
        let path = Chart::new("sine")
            .line("sin", pts)
            .save(tmp("line.png"), (320, 200));
        let bytes = std::fs::read(path.unwrap()).unwrap();
        assert_eq!(png_size(&bytes), (320, 200));
    }

    #[test]
    fn panels_with_grid_and_log_axis_write_svg() {
        let grid = Grid::from_fn((-1.0, 1.0), (-1.0, 1.0), 8, 8, |x, y| x * x + y * y)
            .colormap(Colormap::Bands(4));
        let loss = (1..20).map(|k| (k as f64, 1.0 / k as f64)).collect();
        let charts = [
            Chart::new("bowl").grid(grid).scatter("", vec![(0.0, 0.0)]),
            Chart::new("loss").log_y().dashed("loss", loss),
        ];
        let path = save_panels(tmp("panels.svg"), (500, 250), (1, 2), &charts).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.contains(r#"width="500" height="250""#),
            "{}",
            &text[..200]
        );
        assert!(text.contains("bowl") && text.contains("loss"));
    }

    #[test]
    fn too_many_panels_is_an_error_not_a_panic() {
        let charts = vec![Chart::new("a"); 3];
        let err = save_panels(tmp("three.png"), (100, 100), (1, 2), &charts).unwrap_err();
        assert!(err.to_string().contains("3 charts do not fit a 1 × 2 grid"));
    }

    #[test]
    fn two_class_colormap_is_white_at_one_half() {
        let g =
            Grid::from_values((0.0, 1.0), (0.0, 1.0), 1, 1, vec![0.5]).colormap(Colormap::TwoClass);
        assert_eq!(g.color(0.5, 0.0, 1.0), RGBColor(255, 255, 255));
        assert_ne!(g.color(0.0, 0.0, 1.0), g.color(1.0, 0.0, 1.0));
    }

    #[test]
    fn grid_centers_run_row_major_from_the_bottom() {
        let c = Grid::centers((0.0, 2.0), (0.0, 4.0), 2, 2);
        assert_eq!(c, vec![(0.5, 1.0), (1.5, 1.0), (0.5, 3.0), (1.5, 3.0)]);
    }
}
