package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/bitai"
)

// version is the release of this binary; set with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type versionInfo struct {
	Version         string `json:"version"`
	ProtocolVersion uint8  `json:"protocol_version"`
	Go              string `json:"go"`
	Module          string `json:"module,omitempty"`
}

func newVersionCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the bitai version, protocol version and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{Version: version, ProtocolVersion: bitai.ProtocolVersion, Go: runtime.Version()}
			if bi, ok := debug.ReadBuildInfo(); ok {
				info.Module = bi.Main.Path
			}
			out := cmd.OutOrStdout()
			if g.JSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := fmt.Fprintf(out, "bitai %s (protocol v%d, %s)\n", info.Version, info.ProtocolVersion, info.Go)
			return err
		},
	}
}
