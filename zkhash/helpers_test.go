package zkhash

import "encoding/hex"

func hexString(b []byte) string { return hex.EncodeToString(b) }

// P(0, 1) for (2, 8, 56), computed with refPermute (see TestPermuteKAT).
const (
	kat01X = "111cbc7deb1c075b15d7bcff4b1aeb8700f8356dfa8db534c59adb38a6bdc488"
	kat01Y = "00f17a6781f8987a971ca00fb8b7d68cb18be89ef4e486bcab05311a411d1f30"
)
