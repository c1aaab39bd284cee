package statemachine

import "errors"

func (m *Machine) apply(st State, p *PreparedBlock) (*BlockResult, error) {
	return nil, errors.New("statemachine: ApplyBlock not implemented yet")
}
