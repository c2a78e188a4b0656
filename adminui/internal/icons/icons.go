// Package icons draws the portal's app icons (a white ticket with a blue
// tick on the header's dark grey) with image/png, so that they are made by
// code in the repository rather than by a drawing program. `go generate
// ./adminui` writes them into adminui/static, where they are committed and
// embedded; a test checks the committed files are what this package draws.
package icons

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Icon is one file of the icon set.
type Icon struct {
	Name     string
	Size     int
	Maskable bool // full-bleed background, the ticket inside the safe zone
	Rounded  bool // transparent rounded corners (purpose "any")
}

// Set is every icon the portal serves: the manifest's 192 and 512 pixel
// icons, a maskable one for Android's adaptive shapes, and the 180 pixel
// apple-touch-icon (iOS rounds the corners itself).
var Set = []Icon{
	{Name: "icon-192.png", Size: 192, Rounded: true},
	{Name: "icon-512.png", Size: 512, Rounded: true},
	{Name: "icon-maskable-512.png", Size: 512, Maskable: true},
	{Name: "apple-touch-icon.png", Size: 180, Maskable: true},
}

var (
	background = color.NRGBA{0x21, 0x25, 0x29, 0xff} // Bootstrap's dark, the header's colour
	paper      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	tick       = color.NRGBA{0x0d, 0x6e, 0xfd, 0xff} // Bootstrap's primary blue
)

// PNG draws ic and encodes it.
func PNG(ic Icon) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Draw(ic)); err != nil {
		return nil, fmt.Errorf("encode %s: %w", ic.Name, err)
	}
	return buf.Bytes(), nil
}

// Draw paints ic, 4×4 samples a pixel for smooth edges.
func Draw(ic Icon) *image.NRGBA {
	const sub = 4
	n := ic.Size
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	// The ticket's half width and height, in units of the icon's side.
	// A maskable icon keeps it within the safe circle of radius 0.4.
	w, h := 0.36, 0.24
	if ic.Maskable {
		w, h = 0.30, 0.20
	}
	k := w / 0.36
	for py := 0; py < n; py++ {
		for px := 0; px < n; px++ {
			var r, g, b, a float64
			for sy := 0; sy < sub; sy++ {
				for sx := 0; sx < sub; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/sub) / float64(n)
					y := (float64(py) + (float64(sy)+0.5)/sub) / float64(n)
					c, ok := sample(x-0.5, y-0.5, w, h, k, ic.Rounded)
					if !ok {
						continue
					}
					r += float64(c.R)
					g += float64(c.G)
					b += float64(c.B)
					a++
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(math.Round(r / a)), uint8(math.Round(g / a)), uint8(math.Round(b / a)),
				uint8(math.Round(255 * a / sub / sub))})
		}
	}
	return img
}

// sample is the colour at (x, y), relative to the centre; false outside
// the icon (its rounded corners).
func sample(x, y, w, h, k float64, rounded bool) (color.NRGBA, bool) {
	if rounded && !inRoundRect(x, y, 0.5, 0.5, 0.18) {
		return color.NRGBA{}, false
	}
	if !inRoundRect(x, y, w, h, 0.04*k) {
		return background, true
	}
	// The notches halfway down each side.
	notch := 0.07 * k
	if math.Hypot(x-w, y) < notch || math.Hypot(x+w, y) < notch {
		return background, true
	}
	// The tick: two strokes.
	t := 0.035 * k
	ax, ay := -0.13*k, 0.0
	bx, by := -0.04*k, 0.09*k
	cx, cy := 0.14*k, -0.09*k
	if segDist(x, y, ax, ay, bx, by) < t || segDist(x, y, bx, by, cx, cy) < t {
		return tick, true
	}
	return paper, true
}

func inRoundRect(x, y, w, h, r float64) bool {
	dx, dy := math.Abs(x)-(w-r), math.Abs(y)-(h-r)
	if dx <= 0 || dy <= 0 {
		return math.Abs(x) <= w && math.Abs(y) <= h
	}
	return math.Hypot(dx, dy) <= r
}

// segDist is the distance from (x, y) to the segment (ax, ay)–(bx, by).
func segDist(x, y, ax, ay, bx, by float64) float64 {
	vx, vy := bx-ax, by-ay
	u := ((x-ax)*vx + (y-ay)*vy) / (vx*vx + vy*vy)
	u = math.Max(0, math.Min(1, u))
	return math.Hypot(x-(ax+u*vx), y-(ay+u*vy))
}
