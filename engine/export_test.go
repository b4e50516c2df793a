package engine

// LowerIs exports lowerIs for the black-box tests.
var LowerIs = lowerIs
