// Command exec-agent runs commands inside a learner's container for the docker runtime.
//
// Each exec through a container engine's API costs tens of milliseconds
// (podman starts a monitor and an OCI runtime process for it). The runtime
// instead starts this agent once with one such exec, as the environment's
// user, and then asks it for one command after another over the exec's own
// stdin and stdout; running a command costs a fork and an exec.
//
// Protocol, one request at a time (a file operation instead when the request has "op": see files.go):
//
//	request  (stdin):  4-byte big-endian length, then a JSON object
//	                   {"argv": [...], "env": {...}, "cwd": "...", "stdin": base64 or null}
//	response (stdout): frames of a 1-byte kind, a 4-byte big-endian length and the payload:
//	                   'S' started (empty), or 'F' not started (payload: why, exit code 126 or 127 follows);
//	                   'O' stdout bytes, 'E' stderr bytes;
//	                   'X' ended: the exit code as 4-byte big-endian (128+N when killed by signal N).
//
// The agent is not dumpable (PR_SET_DUMPABLE 0): the learner's other processes, though they run as the
// same user, cannot open its descriptors through /proc or trace it, so nothing can be written into a
// command's output but the command (a check's report channel is its standard output).
//
// The agent ends when its stdin closes. Processes a command leaves in the
// background keep running after it; their output after the command ended is
// not read (the streams are closed a moment after the command exits).
//
// A request {"op": "dial", "port": N} makes the session a relay to a learner's
// server (the gateway's published ports, through the engine's API, so that
// nothing needs the container's network namespace or the engine's host): see relay.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// How long the streams are still read after the command has exited (output it wrote just before).
const drainGrace = 200 * time.Millisecond

// The largest request accepted (a command line and its stdin).
const maxRequest = 64 << 20

type request struct {
	Argv  []string          `json:"argv"`
	Env   map[string]string `json:"env"`
	Cwd   string            `json:"cwd"`
	Stdin []byte            `json:"stdin"`
}

type frames struct {
	mu  sync.Mutex
	out *bufio.Writer
}

func (f *frames) send(kind byte, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var header [5]byte
	header[0] = kind
	binary.BigEndian.PutUint32(header[1:], uint32(len(payload)))
	if _, err := f.out.Write(header[:]); err != nil {
		return err
	}
	if _, err := f.out.Write(payload); err != nil {
		return err
	}
	return f.out.Flush()
}

func (f *frames) exit(code int) error {
	var payload [4]byte
	binary.BigEndian.PutUint32(payload[:], uint32(int32(code)))
	return f.send('X', payload[:])
}

func readBody(in *bufio.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(in, size[:]); err != nil {
		return nil, err
	}
	length := binary.BigEndian.Uint32(size[:])
	if length > maxRequest {
		return nil, errors.New("request too large")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(in, body); err != nil {
		return nil, err
	}
	return body, nil
}

func parseCommand(body []byte) (*request, error) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	if len(req.Argv) == 0 {
		return nil, errors.New("empty argv")
	}
	return &req, nil
}

// serve answers one request: a file operation when it names one ("op"), else a command.
func serve(body []byte, in *bufio.Reader, out *frames) error {
	var kind struct {
		Op string `json:"op"`
	}
	if err := json.Unmarshal(body, &kind); err != nil {
		return err
	}
	if kind.Op == "dial" {
		return relay(body, in, out)
	}
	if kind.Op != "" {
		return serveFile(body, out)
	}
	req, err := parseCommand(body)
	if err != nil {
		return err
	}
	return run(req, out)
}

func environment(extra map[string]string) []string {
	merged := map[string]string{}
	var order []string
	for _, entry := range append(os.Environ(), pairs(extra)...) {
		name, value, _ := strings.Cut(entry, "=")
		if _, seen := merged[name]; !seen {
			order = append(order, name)
		}
		merged[name] = value
	}
	env := make([]string, 0, len(order))
	for _, name := range order {
		env = append(env, name+"="+merged[name])
	}
	return env
}

func pairs(values map[string]string) []string {
	list := make([]string, 0, len(values))
	for name, value := range values {
		list = append(list, name+"="+value)
	}
	return list
}

// notStarted tells why a command could not start, with the shell's exit codes: 127 not found, 126 not runnable.
func notStarted(out *frames, err error) error {
	code := 126
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		code = 127
	}
	if err := out.send('F', []byte(err.Error())); err != nil {
		return err
	}
	return out.exit(code)
}

func run(req *request, out *frames) error {
	env := environment(req.Env)
	path := req.Argv[0]
	if !strings.Contains(path, "/") {
		found, err := lookPath(path, env)
		if err != nil {
			return notStarted(out, err)
		}
		path = found
	}
	stdoutRead, stdoutWrite, err := os.Pipe()
	if err != nil {
		return err
	}
	stderrRead, stderrWrite, err := os.Pipe()
	if err != nil {
		return err
	}
	stdin, err := stdinOf(req.Stdin)
	if err != nil {
		return err
	}
	process, err := os.StartProcess(path, req.Argv, &os.ProcAttr{
		Dir:   req.Cwd,
		Env:   env,
		Files: []*os.File{stdin, stdoutWrite, stderrWrite},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	stdin.Close()
	stdoutWrite.Close()
	stderrWrite.Close()
	if err != nil {
		stdoutRead.Close()
		stderrRead.Close()
		return notStarted(out, err)
	}
	if err := out.send('S', nil); err != nil {
		return err
	}
	var copying sync.WaitGroup
	copying.Add(2)
	go copyFrames(out, 'O', stdoutRead, &copying)
	go copyFrames(out, 'E', stderrRead, &copying)
	state, err := process.Wait()
	if err != nil {
		return err
	}
	drained := make(chan struct{})
	go func() { copying.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainGrace): // a background process holds the streams: stop reading them
		stdoutRead.Close()
		stderrRead.Close()
		<-drained
	}
	return out.exit(exitCode(state))
}

func stdinOf(data []byte) (*os.File, error) {
	if data == nil {
		return os.Open(os.DevNull)
	}
	read, write, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	go func() {
		write.Write(data) //nolint:errcheck // a command that does not read its stdin closes the pipe
		write.Close()
	}()
	return read, nil
}

func copyFrames(out *frames, kind byte, stream *os.File, done *sync.WaitGroup) {
	defer done.Done()
	defer stream.Close()
	buffer := make([]byte, 32<<10)
	for {
		n, err := stream.Read(buffer)
		if n > 0 && out.send(kind, buffer[:n]) != nil {
			return
		}
		if err != nil {
			return
		}
	}
}

func exitCode(state *os.ProcessState) int {
	if status, ok := state.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return 128 + int(status.Signal())
	}
	return state.ExitCode()
}

// lookPath finds a command in the PATH the command itself gets (the request may set its own).
func lookPath(name string, env []string) (string, error) {
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, entry := range env {
		if value, ok := strings.CutPrefix(entry, "PATH="); ok {
			path = value
		}
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		candidate := dir + "/" + name
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return candidate, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// relay makes this session a relay to 127.0.0.1:PORT inside the container: it answers 'J' ({} when
// connected, else the error and the session carries on), then copies the session's stdin to the connection
// and the connection to its stdout, raw, until the server ends; the agent then exits (a relay is not reused).
func relay(body []byte, in *bufio.Reader, out *frames) error {
	var req struct {
		Port int `json:"port"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(req.Port)), 10*time.Second)
	if err != nil {
		answer, _ := json.Marshal(map[string]string{"error": "refused", "message": err.Error()})
		return out.send('J', answer)
	}
	tcp := conn.(*net.TCPConn)
	if err := out.send('J', []byte("{}")); err != nil {
		return err
	}
	go func() {
		io.Copy(tcp, in) //nolint:errcheck // the client went away: the server sees the end either way
		tcp.CloseWrite() //nolint:errcheck
	}()
	buffer := make([]byte, 32<<10)
	for {
		n, err := tcp.Read(buffer)
		if n > 0 {
			if _, werr := out.out.Write(buffer[:n]); werr != nil || out.out.Flush() != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	tcp.Close()
	os.Exit(0)
	return nil
}

func main() {
	// Not dumpable: no other process of the learner (same uid) may open /proc/PID/fd of the agent, where the
	// frame stream and the read ends of the command's streams (a check's report channel) are, nor trace it.
	// A command the agent starts is dumpable again (execve resets it).
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); errno != 0 {
		os.Stderr.WriteString("exec-agent: prctl(PR_SET_DUMPABLE): " + errno.Error() + "\n")
		os.Exit(2)
	}
	in := bufio.NewReader(os.Stdin)
	out := &frames{out: bufio.NewWriter(os.Stdout)}
	for {
		body, err := readBody(in)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				os.Stderr.WriteString("exec-agent: " + err.Error() + "\n")
				os.Exit(2)
			}
			return
		}
		if err := serve(body, in, out); err != nil {
			os.Stderr.WriteString("exec-agent: " + err.Error() + "\n")
			os.Exit(1)
		}
	}
}
