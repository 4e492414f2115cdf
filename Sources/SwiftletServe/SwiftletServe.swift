/// `swiftlet serve`: an HTTP front end (SwiftNIO) in front of sandboxes, either one long-running module serving its
/// preopened listener, or a fresh sandbox per request (WAGI: the request as CGI variables and stdin, the response on
/// stdout), restored from a snapshot. It owns HTTP, routing and the request models; sandboxes come only from the
/// `Swiftlet` library.
