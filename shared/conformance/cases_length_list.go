package conformance

// lengthListCases are the Content-Length cases of the list form, which a
// proxy may produce by merging repeated fields.
func lengthListCases() []Case {
	return []Case{
		{Name: "length/list-same-echoed",
			Why: "\"Content-Length: 5, 5\" is a list of one length: the recipient MAY use 5 or reject it (RFC 9110 8.6); used, the app gets 5 bytes and echoes them",
			Run: oneOf("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello",
				wantBody("hello"), wantStatus(400))},
	}
}
