package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one program file's name and bytes, as archived by a run.
type File struct {
	Name string
	Data []byte
}

// LoadDir loads every *.yaml and *.yml file in dir (sorted by name, not
// recursive; names starting with "." are skipped), returning programs sorted
// by ID. All errors of all files are returned at once as Errors.
func LoadDir(dir string) ([]*Program, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load programs: %w", err)
	}
	var files []File
	var errs Errors
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("load program %s: %w", path, err))
			continue
		}
		files = append(files, File{Name: path, Data: data})
	}
	progs, err := LoadFiles(files)
	if err != nil {
		errs = append(errs, err.(Errors)...)
	}
	for _, p := range progs {
		errs = append(errs, p.Refusals...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return progs, nil
}

// LoadFiles is LoadDir over given (name, bytes) pairs, used to reload
// archived programs: files are read in name order, programs returned in ID
// order, and all errors of all files are returned at once as Errors. A
// program's Refusals are not among them: a run stored with it is read
// again as it was made.
func LoadFiles(files []File) ([]*Program, error) {
	files = append([]File(nil), files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	var (
		progs []*Program
		errs  Errors
		seen  = map[string]string{} // program id -> file that defines it
	)
	for _, f := range files {
		p, idNode, err := parse(f.Name, f.Data)
		if err != nil {
			errs = append(errs, err.(Errors)...)
			continue
		}
		if first, dup := seen[p.ID]; dup {
			errs = append(errs, &LoadError{
				File: f.Name, Line: idNode.Line, Col: idNode.Column,
				Msg: fmt.Sprintf("program id %s is defined in both %s and %s", p.ID, first, f.Name),
			})
			continue
		}
		seen[p.ID] = f.Name
		progs = append(progs, p)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Slice(progs, func(i, j int) bool { return progs[i].ID < progs[j].ID })
	return progs, nil
}
