package reliability

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"time"
)

// tail stamps the lines a process writes to its log with the time they
// appeared, polling every tailEvery: mdns-browse prints no times, and the
// harness needs them to within a few tens of milliseconds.
const tailEvery = 20 * time.Millisecond

type stamped struct {
	at   time.Time
	line string
}

type tail struct {
	path string
	mu   sync.Mutex
	got  []stamped
	stop chan struct{}
	done chan struct{}
}

func startTail(path string) *tail {
	tl := &tail{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	go tl.run()
	return tl
}

func (tl *tail) run() {
	defer close(tl.done)
	var off int64
	var part []byte
	tick := time.NewTicker(tailEvery)
	defer tick.Stop()
	for {
		off, part = tl.poll(off, part)
		select {
		case <-tl.stop:
			tl.poll(off, part)
			return
		case <-tick.C:
		}
	}
}

func (tl *tail) poll(off int64, part []byte) (int64, []byte) {
	f, err := os.Open(tl.path)
	if err != nil {
		return off, part
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	now := time.Now()
	for {
		n, _ := f.ReadAt(buf, off)
		if n == 0 {
			return off, part
		}
		off += int64(n)
		part = append(part, buf[:n]...)
		for {
			i := bytes.IndexByte(part, '\n')
			if i < 0 {
				break
			}
			tl.mu.Lock()
			tl.got = append(tl.got, stamped{now, string(part[:i])})
			tl.mu.Unlock()
			part = part[i+1:]
		}
	}
}

// lines returns what has appeared so far.
func (tl *tail) lines() []stamped {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return slices.Clone(tl.got)
}

// close stops polling after a last read.
func (tl *tail) close() []stamped {
	select {
	case <-tl.stop:
	default:
		close(tl.stop)
	}
	<-tl.done
	return tl.lines()
}

// jsonLine is the union of the fields of the JSON lines of mdns-browse,
// mdns-announce and relpeer that the harness reads.
type jsonLine struct {
	Event     string   `json:"event"`
	Instance  string   `json:"instance"`
	Requested string   `json:"requested"`
	Host      string   `json:"host"`
	Port      int      `json:"port"`
	Addrs     []string `json:"addrs"`
	T         float64  `json:"t"`
	// relpeer browse stats
	Cache      int `json:"cache"`
	CacheBound int `json:"cacheBound"`
	Proc       struct {
		RSSKB      int     `json:"rssKB"`
		HeapKB     int     `json:"heapKB"`
		Goroutines int     `json:"goroutines"`
		CPUSeconds float64 `json:"cpuSeconds"`
	} `json:"proc"`
	Goroutines int    `json:"goroutines"`
	Baseline   int    `json:"baseline"`
	Evictions  uint64 `json:"evictions"`
	Sent       uint64 `json:"sent"`
	Received   uint64 `json:"received"`
	// relpeer churn / flood summaries
	Cycles        int     `json:"cycles"`
	Renamed       int     `json:"renamed"`
	Failed        int     `json:"failed"`
	Conflicts     int     `json:"conflicts"`
	Seconds       float64 `json:"seconds"`
	Announcements int     `json:"announcements"`
	Queries       int     `json:"queries"`
	Errors        int     `json:"errors"`
}

// parsed is a stamped JSON line; lines that are not JSON are skipped.
type parsed struct {
	at time.Time
	jsonLine
}

func parse(ls []stamped) []parsed {
	var out []parsed
	for _, l := range ls {
		var j jsonLine
		if json.Unmarshal([]byte(l.line), &j) == nil && j.Event != "" {
			out = append(out, parsed{l.at, j})
		}
	}
	return out
}

// stampOf is the time a relpeer line was written ("t"), or when the tail
// saw it.
func (p parsed) stampOf() time.Time {
	if p.T > 0 {
		return time.Unix(0, int64(p.T*1e9))
	}
	return p.at
}
