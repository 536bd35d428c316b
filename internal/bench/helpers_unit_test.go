package bench

import (
	"testing"
	"time"
)

// The harness's parsers and statistics, checked without a LAN.

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 10; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	if s.n != 10 || s.med != 5*time.Millisecond || s.p90 != 9*time.Millisecond || s.min != time.Millisecond || s.max != 10*time.Millisecond {
		t.Errorf("summarize(1..10 ms) = %+v, want median 5 ms (nearest rank), p90 9 ms", s)
	}
	if s := summarize([]time.Duration{7}); s.med != 7 || s.p90 != 7 {
		t.Errorf("one sample: %+v", s)
	}
	if summarize(nil).String() != "no samples" {
		t.Error("empty sample")
	}
}

func TestAvahiSeen(t *testing.T) {
	out := "+;e1;IPv4;Ours\\0320;_o0._tcp;local\n" +
		"=;e1;IPv4;Ours\\0320;_o0._tcp;local;gohost.local;10.99.0.254;9000;\"path=/\"\n" +
		"-;e1;IPv6;Dot\\.Name;_o0._tcp;local\n"
	for _, c := range []struct {
		kind, name string
		want       bool
	}{{"+", "Ours 0", true}, {"=", "Ours 0", true}, {"-", "Ours 0", false}, {"-", "Dot.Name", true}, {"+", "Ours", false}} {
		if got := avahiSeen(out, c.kind, c.name); got != c.want {
			t.Errorf("avahiSeen(%q, %q) = %v", c.kind, c.name, got)
		}
	}
}

func TestZcEvent(t *testing.T) {
	out := "start 1700000000.25\nadd 1700000001.5 Ours 0._o0._tcp.local.\nremove 1700000002.75 Ours 0._o0._tcp.local.\n"
	start, ok1 := zcEvent(out, "start", "")
	add, ok2 := zcEvent(out, "add", "Ours 0")
	_, ok3 := zcEvent(out, "add", "Other")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("found start %v, add %v, other %v", ok1, ok2, ok3)
	}
	if d := add.Sub(start); d < 1249*time.Millisecond || d > 1251*time.Millisecond {
		t.Errorf("add - start = %v, want 1.25 s", d)
	}
}

func TestQuestion(t *testing.T) {
	q := question(7, "_http._tcp.local.", typePTR, true)
	want := "\x00\x07\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05_http\x04_tcp\x05local\x00\x00\x0c\x80\x01"
	if string(q) != want {
		t.Errorf("question = %q, want %q", q, want)
	}
	if msgID(q) != 7 || isResponse(q) || questionCount(q) != 1 || recordCount(q) != 0 || truncated(q) {
		t.Error("header accessors disagree with the query")
	}
}
