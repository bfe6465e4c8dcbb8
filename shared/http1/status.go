package http1

// statusText holds the reason phrases of the status codes this project
// sends (RFC 9110 section 15). The reason phrase is informational only
// (RFC 9112 4): clients must not depend on it.
var statusText = map[int]string{
	100: "Continue",
	200: "OK",
	201: "Created",
	204: "No Content",
	206: "Partial Content",
	301: "Moved Permanently",
	302: "Found",
	304: "Not Modified",
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	411: "Length Required",
	413: "Content Too Large",
	414: "URI Too Long",
	417: "Expectation Failed",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// StatusText returns the reason phrase for code, or "" if it is unknown.
func StatusText(code int) string {
	return statusText[code]
}
