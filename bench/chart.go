package bench

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	testpmdColor = color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff}
	zcnicColor   = color.RGBA{R: 0xdd, G: 0x84, B: 0x52, A: 0xff}
)

func orZero(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// DrawChart draws the results as a PNG at path: on the left, testpmd's
// and zcnic's medians side by side for the scenarios measured in Mpps;
// on the right, every scenario's ratio zcnic/testpmd, with a dashed
// line at 0.95.
func DrawChart(r *Results, path string) error {
	left, err := throughputPlot(r)
	if err != nil {
		return err
	}
	right, err := ratioPlot(r)
	if err != nil {
		return err
	}
	const w, h = 26 * vg.Centimeter, 11 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(120))
	dc := draw.New(img)
	t := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	cs := plot.Align([][]*plot.Plot{{left, right}}, t, dc)
	left.Draw(cs[0][0])
	right.Draw(cs[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func throughputPlot(r *Results) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Median forwarding rate (Mpps, tx summed over ports)"
	p.Y.Label.Text = "Mpps"
	var names []string
	var tv, zv plotter.Values
	for _, s := range r.Scenarios {
		if s.Unit != UnitMpps {
			continue
		}
		names = append(names, s.ID)
		tv = append(tv, orZero(s.Testpmd.Median))
		zv = append(zv, orZero(s.Zcnic.Median))
	}
	if len(names) == 0 {
		p.Title.Text += ": none measured"
		return p, nil
	}
	w := vg.Points(22)
	for i, b := range []struct {
		name string
		v    plotter.Values
		c    color.Color
	}{{"dpdk-testpmd", tv, testpmdColor}, {"zcnic", zv, zcnicColor}} {
		bars, err := plotter.NewBarChart(b.v, w)
		if err != nil {
			return nil, err
		}
		bars.Color = b.c
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(float64(i)-0.5) * w
		p.Add(bars)
		p.Legend.Add(b.name, bars)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.Y.Min = 0
	p.Y.Max = max(maxOf(tv), maxOf(zv)) * 1.2
	return p, nil
}

// valueLabels puts each value's text over its (unshifted) bar.
func valueLabels(vs plotter.Values, format string) (*plotter.Labels, error) {
	xys := make(plotter.XYs, len(vs))
	ls := make([]string, len(vs))
	for i, v := range vs {
		xys[i] = plotter.XY{X: float64(i), Y: v}
		ls[i] = fmt.Sprintf(format, v)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: ls})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
		l.TextStyle[i].Font.Size = vg.Points(8)
	}
	return l, nil
}

func maxOf(vs plotter.Values) float64 {
	m := 1e-9
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

func ratioPlot(r *Results) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "zcnic / dpdk-testpmd (median of the rounds' ratios)"
	p.Y.Label.Text = "ratio"
	var names []string
	var v plotter.Values
	for _, s := range r.Scenarios {
		names = append(names, fmt.Sprintf("%s (%s)", s.ID, s.Unit))
		v = append(v, orZero(s.Ratio))
	}
	if len(v) == 0 {
		return p, nil
	}
	bars, err := plotter.NewBarChart(v, vg.Points(30))
	if err != nil {
		return nil, err
	}
	bars.Color = zcnicColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	lbl, err := valueLabels(v, "%.2f")
	if err != nil {
		return nil, err
	}
	p.Add(lbl)
	for _, ref := range []struct {
		y    float64
		dash bool
		name string
	}{{1, false, "parity"}, {0.95, true, "0.95"}} {
		y := ref.y
		line, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(len(v)) - 0.5, Y: y}})
		if err != nil {
			return nil, err
		}
		line.Color = color.Gray{Y: 0x40}
		if ref.dash {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			line.Color = color.RGBA{R: 0xc0, A: 0xff}
		}
		p.Add(line)
		p.Legend.Add(ref.name, line)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.Y.Min = 0
	p.Y.Max = max(1.25, maxOf(v)*1.15)
	var ticks []plot.Tick
	for y := 0.0; y <= p.Y.Max; y += 0.25 {
		t := plot.Tick{Value: y}
		if int(y*4)%2 == 0 {
			t.Label = fmt.Sprintf("%.1f", y)
		}
		ticks = append(ticks, t)
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}
