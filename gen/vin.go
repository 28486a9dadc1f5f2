package gen

// vinValue transliterates a VIN character for the check digit; VINs never
// hold I, O or Q.
func vinValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1
	case c == 'P':
		return 7
	case c == 'R':
		return 9
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2
	}
	return 0
}

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// checkDigit returns the North American check digit (position 9) of vin.
func checkDigit(vin *[17]byte) byte {
	sum := 0
	for i, c := range vin {
		sum += vinValue(c) * vinWeights[i]
	}
	if sum%11 == 10 {
		return 'X'
	}
	return byte('0' + sum%11)
}

// yearCodes are the model-year codes of VIN position 10, from 1980 on.
const yearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789"

// yearCode returns the position-10 code of a model year.
func yearCode(year int) byte { return yearCodes[(year-1980)%30] }

// plantCodes are the assembly plant codes of VIN position 11.
const plantCodes = "ABCDEFGHJKLMNPRSTUVWXYZ"

// makeVIN builds a valid VIN: world manufacturer (3), vehicle descriptor
// (5), check digit, model year, plant and a six-digit serial. serial makes
// the VIN unique; it is spread over plants beyond a million.
func makeVIN(wmi, vds string, year int, serial int) [17]byte {
	var v [17]byte
	copy(v[0:3], wmi)
	copy(v[3:8], vds)
	v[9] = yearCode(year)
	v[10] = plantCodes[(serial/1000000)%len(plantCodes)]
	n := serial % 1000000
	for i := 16; i >= 11; i-- {
		v[i] = byte('0' + n%10)
		n /= 10
	}
	v[8] = checkDigit(&v)
	return v
}

// breakCheckDigit returns vin with a wrong check digit.
func breakCheckDigit(v [17]byte) [17]byte {
	if v[8] == '1' {
		v[8] = '2'
	} else {
		v[8] = '1'
	}
	return v
}
