// Package telemetry is a client of DPDK's telemetry socket (v2), the one
// dpdk-telemetry.py talks to: a process's runtime directory holds
// dpdk_telemetry.v2, a SOCK_SEQPACKET socket that answers each command,
// such as "/ethdev/stats,0" or zcnic's "/zcnic/ports", with one JSON
// object.
//
//	c, err := telemetry.Dial(eal.RuntimeDir("fwd1"))
//	...
//	var ports map[string]any
//	err = c.Query("/zcnic/ports", &ports)
package telemetry

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// SocketName is the telemetry socket's name in a runtime directory.
const SocketName = "dpdk_telemetry.v2"

// Client is one connection to a process's telemetry socket. It is for
// one goroutine at a time.
type Client struct {
	conn *net.UnixConn
	// MaxOutput is the largest reply the server sends, from its greeting.
	MaxOutput int
	buf       []byte
}

// Dial connects to the telemetry socket in runtimeDir and reads the
// server's greeting.
func Dial(runtimeDir string) (*Client, error) {
	path := filepath.Join(runtimeDir, SocketName)
	conn, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w (is the process running, with telemetry on?)", err)
	}
	c := &Client{conn: conn, buf: make([]byte, 64<<10)}
	var hello struct {
		Version   string `json:"version"`
		PID       int    `json:"pid"`
		MaxOutput int    `json:"max_output_len"`
	}
	if err := c.read(&hello); err != nil {
		conn.Close()
		return nil, fmt.Errorf("telemetry: greeting of %s: %w", path, err)
	}
	c.MaxOutput = hello.MaxOutput
	if c.MaxOutput > len(c.buf) {
		c.buf = make([]byte, c.MaxOutput)
	}
	return c, nil
}

// Query sends cmd (like "/ethdev/stats,0") and decodes the value of the
// reply, whose only key is the command, into v. A command the server
// does not know answers null, which is an error.
func (c *Client) Query(cmd string, v any) error {
	if !strings.HasPrefix(cmd, "/") {
		return fmt.Errorf("telemetry: command %q does not start with '/'", cmd)
	}
	if _, err := c.conn.Write([]byte(cmd)); err != nil {
		return fmt.Errorf("telemetry: %s: %w", cmd, err)
	}
	var reply map[string]json.RawMessage
	if err := c.read(&reply); err != nil {
		return fmt.Errorf("telemetry: %s: %w", cmd, err)
	}
	name, _, _ := strings.Cut(cmd, ",")
	raw, ok := reply[name]
	if !ok || string(raw) == "null" {
		return fmt.Errorf("telemetry: %s: no answer (unknown command, or bad parameters)", cmd)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("telemetry: %s: %w", cmd, err)
	}
	return nil
}

func (c *Client) read(v any) error {
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.conn.Read(c.buf)
	if err != nil {
		return err
	}
	return json.Unmarshal(c.buf[:n], v)
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
