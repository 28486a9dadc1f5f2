package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/incent/incent"
	"github.com/spf13/cobra"
)

func newCmdInit(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Create a workspace with a commented incent.yaml, example programs and sample data",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return initRun(f, args[0]) },
	}
}

func initRun(f *factory, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "incent.yaml")); err == nil {
		return &usageErr{fmt.Errorf("%s already holds a workspace (incent.yaml exists); choose another folder", dir)}
	}
	err := fs.WalkDir(incent.Demo(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(incent.Demo(), path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	fmt.Fprintf(f.ios.Out, "Workspace created in %s. Next:\n  cd %s && incent calc --period 2024Q3\n", dir, dir)
	return nil
}
