package zkhash

import "encoding/hex"

func hexString(b []byte) string { return hex.EncodeToString(b) }

// katBarretenberg is P(0, 1, 2, 3) for the width-4 instance as Aztec's
// barretenberg publishes it (Poseidon2Bn254ScalarFieldParams::TEST_VECTOR_OUTPUT,
// crypto/poseidon2/poseidon2_params.hpp), the same vector that
// circuits/costmodel's TestWidth4KnownAnswer checks.
var katBarretenberg = [Width]string{
	"0x01bd538c2ee014ed5141b29e9ae240bf8db3fe5b9a38629a9647cf8d76c01737",
	"0x239b62e7db98aa3a2a8f6a0d2fa1709e7a35959aa6c7034814d9daa90cbac662",
	"0x04cbb44c61d928ed06808456bf758cbf0c18d1e15a7b6dbc8245fa7515d5e3cb",
	"0x2e11c5cff2a22c64d01304b778d78f6998eff1ab73163a35603f54794c30847a",
}
