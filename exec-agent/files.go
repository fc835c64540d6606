package main

// The workspace's file operations, for a runtime that cannot reach the workspace's folder itself (an engine
// on another machine). They run as the learner, inside the learner's container: nothing here can reach what
// the learner's own shell cannot. Paths follow practica/sandbox/files.py: relative to the workspace (or
// under /workspace), symlinks expanded here and only while they stay inside, ".." never past the top.
//
// A request with "op" set is a file operation; the answer is one 'J' frame (JSON), after one 'D' frame
// with the bytes for a read:
//
//	{"op": "read", "path": P, "max": N}
//	{"op": "write", "path": P, "data": base64, "mode": M, "if_match": V or null, "create_only": bool}
//	{"op": "list", "path": P}    {"op": "delete", "path": P}    {"op": "rename", "path": P, "target": T}
//	answer: {"version": V} | {"entries": [...]} | {} | {"error": "refused"|"missing"|"conflict", "message": ..., "current": V}

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
)

const workspaceRoot = "/workspace"
const maxLinks = 40

type fileRequest struct {
	Op         string  `json:"op"`
	Path       string  `json:"path"`
	Target     string  `json:"target"`
	Data       []byte  `json:"data"`
	Mode       uint32  `json:"mode"`
	Max        int64   `json:"max"`
	IfMatch    *string `json:"if_match"`
	CreateOnly bool    `json:"create_only"`
}

type fileEntry struct {
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Size     int64   `json:"size"`
	Mode     uint32  `json:"mode"`
	Modified float64 `json:"modified"`
}

// fileError is a refusal the runtime raises as its own error: refused, missing or conflict.
type fileError struct {
	kind    string
	message string
	current *string
}

func (e *fileError) Error() string { return e.message }

func refused(format string, args ...any) error {
	return &fileError{kind: "refused", message: fmt.Sprintf(format, args...)}
}

func quoted(p string) string { return "'" + p + "'" }

func versionOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func components(p string) ([]string, error) {
	if p == workspaceRoot || strings.HasPrefix(p, workspaceRoot+"/") {
		p = p[len(workspaceRoot):]
	} else if strings.HasPrefix(p, "/") {
		return nil, refused("%s is outside the workspace", quoted(p))
	}
	if strings.ContainsRune(p, 0) {
		return nil, refused("a path may not contain NUL")
	}
	var parts []string
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." {
			parts = append(parts, part)
		}
	}
	return parts, nil
}

func onDisk(names []string) string { return path.Join(append([]string{workspaceRoot}, names...)...) }

// resolve expands ".." and symlinks into names under the workspace, refusing anything that leaves it.
func resolve(p string, followLast bool) ([]string, error) {
	parts, err := components(p)
	if err != nil {
		return nil, err
	}
	pending := make([]string, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		pending = append(pending, parts[i])
	}
	var resolved []string
	links := 0
	for len(pending) > 0 {
		name := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if name == "." {
			continue
		}
		if name == ".." {
			if len(resolved) == 0 {
				return nil, refused("%s leaves the workspace", quoted(p))
			}
			resolved = resolved[:len(resolved)-1]
			continue
		}
		candidate := append(append([]string{}, resolved...), name)
		target, isLink := "", false
		if len(pending) > 0 || followLast {
			if info, err := os.Lstat(onDisk(candidate)); err == nil && info.Mode()&fs.ModeSymlink != 0 {
				target, err = os.Readlink(onDisk(candidate))
				isLink = err == nil
			}
		}
		if !isLink {
			resolved = candidate
			continue
		}
		links++
		if links > maxLinks || strings.HasPrefix(target, "/") {
			return nil, refused("%s goes through a symlink that leaves the workspace", quoted(p))
		}
		targetParts := strings.Split(target, "/")
		for i := len(targetParts) - 1; i >= 0; i-- {
			if targetParts[i] != "" {
				pending = append(pending, targetParts[i])
			}
		}
	}
	return resolved, nil
}

func missingOr(err error, p string, refusal string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &fileError{kind: "missing", message: quoted(p) + " does not exist"}
	}
	return refused("%s %s", quoted(p), refusal)
}

func readFile(req *fileRequest) ([]byte, error) {
	names, err := resolve(req.Path, true)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, refused("the workspace itself is not a file")
	}
	file, err := os.OpenFile(onDisk(names), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, missingOr(err, req.Path, "cannot be opened safely")
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, refused("%s is not a regular file", quoted(req.Path))
	}
	if info.Size() > req.Max {
		return nil, refused("%s is larger than %d bytes", quoted(req.Path), req.Max)
	}
	return io.ReadAll(io.LimitReader(file, req.Max))
}

func versionAt(name string, max int64) *string {
	file, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer file.Close()
	if info, err := file.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(file, max+1))
	if err != nil {
		return nil
	}
	version := versionOf(data)
	return &version
}

func writeFile(req *fileRequest) (string, error) {
	names, err := resolve(req.Path, true)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", refused("the workspace itself is not a file")
	}
	if err := os.MkdirAll(onDisk(names[:len(names)-1]), 0o755); err != nil {
		return "", refused("%s is not a directory inside the workspace", quoted(names[len(names)-2]))
	}
	name := onDisk(names)
	flags := os.O_RDWR | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	if req.IfMatch == nil {
		flags |= os.O_CREATE
		if req.CreateOnly {
			flags |= os.O_EXCL
		}
	}
	file, err := os.OpenFile(name, flags, fs.FileMode(req.Mode&0o777))
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrExist):
			return "", &fileError{kind: "conflict", message: "exists", current: versionAt(name, req.Max)}
		case errors.Is(err, fs.ErrNotExist):
			return "", &fileError{kind: "conflict", message: "missing"}
		}
		return "", refused("%s cannot be written safely: %s", quoted(req.Path), errnoText(err))
	}
	defer file.Close()
	if info, err := file.Stat(); err != nil || !info.Mode().IsRegular() {
		return "", refused("%s is not a regular file", quoted(req.Path))
	}
	if req.IfMatch != nil {
		current, err := io.ReadAll(io.LimitReader(file, req.Max+1))
		if err != nil {
			return "", refused("%s cannot be read: %s", quoted(req.Path), errnoText(err))
		}
		if version := versionOf(current); version != *req.IfMatch {
			return "", &fileError{kind: "conflict", message: "changed", current: &version}
		}
	}
	if err := file.Truncate(0); err != nil {
		return "", refused("%s cannot be written: %s", quoted(req.Path), errnoText(err))
	}
	if err := file.Chmod(fs.FileMode(req.Mode & 0o777)); err != nil {
		return "", refused("%s cannot be written: %s", quoted(req.Path), errnoText(err))
	}
	if _, err := file.WriteAt(req.Data, 0); err != nil {
		return "", refused("%s cannot be written: %s", quoted(req.Path), errnoText(err))
	}
	return versionOf(req.Data), nil
}

func kindOf(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "file"
	case mode.IsDir():
		return "directory"
	case mode&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "other"
}

func listFiles(req *fileRequest) ([]fileEntry, error) {
	names, err := resolve(req.Path, true)
	if err != nil {
		return nil, err
	}
	dir := onDisk(names)
	if info, err := os.Lstat(dir); err != nil || !info.IsDir() {
		if err != nil && len(names) > 0 {
			return nil, missingOr(err, req.Path, "is not a directory inside the workspace")
		}
		return nil, refused("%s is not a directory inside the workspace", quoted(req.Path))
	}
	found, err := os.ReadDir(dir)
	if err != nil {
		return nil, refused("%s cannot be listed: %s", quoted(req.Path), errnoText(err))
	}
	entries := make([]fileEntry, 0, len(found))
	for _, entry := range found {
		info, err := os.Lstat(path.Join(dir, entry.Name()))
		if err != nil {
			continue
		}
		entries = append(entries, fileEntry{
			Name: entry.Name(), Kind: kindOf(info.Mode()), Size: info.Size(), Mode: uint32(info.Mode().Perm()),
			Modified: float64(info.ModTime().UnixNano()) / 1e9,
		})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return entries, nil
}

func placeOf(p string) ([]string, error) {
	names, err := resolve(p, false)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, refused("the workspace itself cannot be deleted or moved")
	}
	return names, nil
}

func deleteFile(req *fileRequest) error {
	names, err := placeOf(req.Path)
	if err != nil {
		return err
	}
	info, err := os.Lstat(onDisk(names))
	if err != nil {
		return missingOr(err, req.Path, "cannot be deleted")
	}
	if info.IsDir() {
		err = os.RemoveAll(onDisk(names))
	} else {
		err = os.Remove(onDisk(names))
	}
	if err != nil {
		return refused("%s cannot be deleted: %s", quoted(req.Path), errnoText(err))
	}
	return nil
}

func renameFile(req *fileRequest) error {
	source, err := placeOf(req.Path)
	if err != nil {
		return err
	}
	target, err := placeOf(req.Target)
	if err != nil {
		return err
	}
	parent := target[:len(target)-1]
	if len(parent) >= len(source) && strings.Join(parent[:len(source)], "/") == strings.Join(source, "/") {
		return refused("%s cannot move into itself", quoted(req.Path))
	}
	if _, err := os.Lstat(onDisk(source)); err != nil {
		return missingOr(err, req.Path, "cannot be moved")
	}
	if err := os.MkdirAll(onDisk(parent), 0o755); err != nil {
		return refused("%s is not a directory inside the workspace", quoted(req.Target))
	}
	if err := os.Rename(onDisk(source), onDisk(target)); err != nil {
		return refused("%s cannot be moved to %s: %s", quoted(req.Path), quoted(req.Target), errnoText(err))
	}
	return nil
}

func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// serveFile answers one file operation; an error here is the frame stream's, not the operation's.
func serveFile(body []byte, out *frames) error {
	var req fileRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	answer := map[string]any{}
	var err error
	switch req.Op {
	case "read":
		var data []byte
		if data, err = readFile(&req); err == nil {
			if sendErr := out.send('D', data); sendErr != nil {
				return sendErr
			}
		}
	case "write":
		var version string
		if version, err = writeFile(&req); err == nil {
			answer["version"] = version
		}
	case "list":
		var entries []fileEntry
		if entries, err = listFiles(&req); err == nil {
			answer["entries"] = entries
		}
	case "delete":
		err = deleteFile(&req)
	case "rename":
		err = renameFile(&req)
	default:
		err = refused("unknown file operation %q", req.Op)
	}
	var refusal *fileError
	if errors.As(err, &refusal) {
		answer = map[string]any{"error": refusal.kind, "message": refusal.message, "current": refusal.current}
	} else if err != nil {
		answer = map[string]any{"error": "refused", "message": err.Error()}
	}
	encoded, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	return out.send('J', encoded)
}
