/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The UEFI compression algorithm (UEFI 2.10 §19), the one the firmware's
 * EFI_DECOMPRESS_PROTOCOL undoes: LZ77 over an 8 KiB window, then each
 * block of symbols coded with canonical Huffman codes.  Written from the
 * specification's description of the format.
 *
 * The format, as §19.2 and §19.3 describe it:
 *   - 4 bytes compressed size, 4 bytes original size (little-endian), then
 *     a bit stream read most significant bit first;
 *   - blocks: 16 bits BlockSize (symbols of the Char&Len set in it), the
 *     Extra set's code lengths, the Char&Len set's code lengths coded
 *     with the Extra set, the Position set's code lengths, then the
 *     symbols;
 *   - a Char&Len symbol below 256 is a byte; 256 + n is a string of n + 3
 *     bytes that starts a Position symbol back: Position p is a distance
 *     of p + 1 (p 0, 1) or 2^(p-1) + (p-1 more bits) + 1.
 *
 * The encoder here is greedy (the longest match from a hash chain) and
 * limits code lengths to 16 bits by halving counts; it aims at being
 * right and readable, not at the last percent of size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "efi_compress.h"

#define WNDBIT 13			/* §19.3: 8 KiB window */
#define WNDSIZ (1u << WNDBIT)
#define MAXMATCH 256
#define THRESHOLD 3			/* shortest string */
#define NC (0xFF + MAXMATCH + 2 - THRESHOLD)	/* Char&Len set: 510 */
#define CBIT 9
#define NP (WNDBIT + 1)			/* Position set: 14 */
#define PBIT 4
#define NT 19				/* Extra set: code lengths 0-16, 3 runs */
#define TBIT 5
#define MAXBITS 16			/* longest code */
#define BLOCK_SYMBOLS 16384		/* Char&Len symbols per block (< 2^16) */
#define HASH_BITS 13
#define CHAIN_MAX 128			/* candidates tried per position */

/* ------------------------------------------------------------ bit output */

struct bit_out {
	uint8_t *buf;
	size_t len, cap;
	uint32_t acc;		/* bits not yet written, at the bottom */
	unsigned nacc;
	int err;
};

/** Append @p n bits of @p v, most significant first. */
static void put_bits(struct bit_out *o, unsigned n, uint32_t v)
{
	while (n--) {
		o->acc = o->acc << 1 | ((v >> n) & 1);
		if (++o->nacc == 8) {
			if (o->len == o->cap) {
				size_t cap = o->cap ? 2 * o->cap : 4096;
				uint8_t *b = realloc(o->buf, cap);

				if (!b) {
					o->err = 1;
					return;
				}
				o->buf = b;
				o->cap = cap;
			}
			o->buf[o->len++] = (uint8_t)o->acc;
			o->acc = 0;
			o->nacc = 0;
		}
	}
}

/* --------------------------------------------------------------- Huffman */

/**
 * Code lengths of a Huffman code for @p n symbols, none over MAXBITS.
 * Counts are halved and the code built again until it fits (a true
 * Huffman code for the halved counts, so it stays complete).
 * @v freq	counts (0: unused)
 * @v n		symbols
 * @v len	lengths out (0 for unused symbols)
 * @ret used	symbols with a count
 */
static unsigned huffman_lengths(const uint32_t *freq, unsigned n, uint8_t *len)
{
	uint32_t f[2 * NC], parent[2 * NC];
	unsigned heap[2 * NC], nh, i, used = 0, maxlen, next;

	for (i = 0; i < n; i++)
		f[i] = freq[i];
	for (;;) {
		/* a simple priority queue: n is at most 510 */
		nh = 0;
		for (i = 0; i < n; i++)
			if (f[i])
				heap[nh++] = i;
		used = nh;
		memset(len, 0, n);
		if (used < 2)
			return used;
		next = n;
		while (nh > 1) {
			unsigned a = 0, b = 1, k;

			if (f[heap[b]] < f[heap[a]])
				a = 1, b = 0;
			for (k = 2; k < nh; k++) {
				if (f[heap[k]] < f[heap[a]]) {
					b = a;
					a = k;
				} else if (f[heap[k]] < f[heap[b]]) {
					b = k;
				}
			}
			f[next] = f[heap[a]] + f[heap[b]];
			parent[heap[a]] = parent[heap[b]] = next;
			/* replace a by the new node, drop b */
			heap[a] = next++;
			heap[b] = heap[--nh];
		}
		parent[heap[0]] = UINT32_MAX;
		maxlen = 0;
		for (i = 0; i < n; i++) {
			unsigned d = 0, k = i;

			if (!freq[i] || !f[i])
				continue;
			while (parent[k] != UINT32_MAX) {
				k = parent[k];
				d++;
			}
			len[i] = (uint8_t)d;
			if (d > maxlen)
				maxlen = d;
		}
		if (maxlen <= MAXBITS)
			return used;
		for (i = 0; i < n; i++)
			f[i] = f[i] ? (f[i] + 1) / 2 : 0;
	}
}

/**
 * Canonical codes from lengths, as the decoder's table builder assigns
 * them: shorter codes first, symbols in order within a length.
 */
static void canonical_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
	uint32_t count[MAXBITS + 2] = { 0 }, start[MAXBITS + 2];
	unsigned i;

	for (i = 0; i < n; i++)
		count[len[i]]++;
	start[1] = 0;
	for (i = 1; i <= MAXBITS; i++)
		start[i + 1] = start[i] + (count[i] << (MAXBITS - i));
	for (i = 0; i < n; i++)
		if (len[i]) {
			code[i] = (uint16_t)(start[len[i]] >> (MAXBITS - len[i]));
			start[len[i]] += 1u << (MAXBITS - len[i]);
		}
}

/** Write one code length of the Extra or Position set (§19.3): 3 bits,
 * and for 7 or more, a 1 bit per length above 7 and a 0. */
static void put_pt_len(struct bit_out *o, unsigned l)
{
	if (l < 7) {
		put_bits(o, 3, l);
		return;
	}
	put_bits(o, 3, 7);
	while (l-- > 7)
		put_bits(o, 1, 1);
	put_bits(o, 1, 0);
}

/** The one symbol with a count, or 0. */
static unsigned only_symbol(const uint32_t *freq, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (freq[i])
			return i;
	return 0;
}

/**
 * Write the lengths of the Extra or the Position set: their number,
 * then each; a set of fewer than two symbols is its number 0 and the
 * symbol (the decoder then reads no bits for it).
 * @v special	after this many lengths, 2 bits count the zeros that
 *		follow (the Extra set: 3); -1 for none
 */
static void put_pt_lengths(struct bit_out *o, const uint8_t *len,
			   const uint32_t *freq, unsigned n, unsigned nbit,
			   unsigned used, int special)
{
	unsigned i, last = 0, k;

	if (used < 2) {
		put_bits(o, nbit, 0);
		put_bits(o, nbit, only_symbol(freq, n));
		return;
	}
	for (i = 0; i < n; i++)
		if (len[i])
			last = i + 1;
	put_bits(o, nbit, last);
	for (i = 0; i < last;) {
		put_pt_len(o, len[i++]);
		if ((int)i == special) {
			for (k = 0; k < 3 && i + k < last && !len[i + k]; k++)
				;
			put_bits(o, 2, k);
			i += k;
		}
	}
}

/* ---------------------------------------------------------------- blocks */

/** One LZ77 symbol of a block: a byte, or a string (length, distance). */
struct lz_sym {
	uint16_t c;		/**< Char&Len symbol */
	uint16_t dist;		/**< strings: distance 1..WNDSIZ */
};

/** Position symbol of a distance, and its extra bits. */
static unsigned pos_code(unsigned dist, unsigned *nextra, unsigned *extra)
{
	unsigned off = dist - 1, p = 0;

	while ((off >> p) > 1)
		p++;
	if (off < 2) {
		*nextra = 0;
		*extra = 0;
		return off;
	}
	/* off has p + 1 bits: code p + 1 with p extra bits */
	*nextra = p;
	*extra = off - (1u << p);
	return p + 1;
}

/**
 * The run-length coding of the Char&Len lengths in the Extra set (§19.3):
 * 0 one zero, 1 3-18 zeros (4 bits), 2 20-531 zeros (9 bits), l + 2 a
 * length l.  Counts the Extra symbols (emit 0) or writes them (emit 1).
 */
static void c_lengths(struct bit_out *o, const uint8_t *clen, unsigned last,
		      uint32_t *tfreq, const uint8_t *tlen,
		      const uint16_t *tcode, int emit)
{
	unsigned i = 0, run;

	while (i < last) {
		if (clen[i]) {
			unsigned t = clen[i] + 2u;

			if (emit)
				put_bits(o, tlen[t], tcode[t]);
			else
				tfreq[t]++;
			i++;
			continue;
		}
		for (run = 0; i + run < last && !clen[i + run]; run++)
			;
		i += run;
		while (run) {
			unsigned t, nb = 0, v = 0, take;

			if (run <= 2) {
				t = 0;
				take = 1;
			} else if (run <= 18) {
				t = 1;
				nb = 4;
				v = run - 3;
				take = run;
			} else if (run == 19) {
				t = 0;		/* 1, then 18 */
				take = 1;
			} else {
				take = run < 20 + 511 ? run : 20 + 511;
				t = 2;
				nb = CBIT;
				v = take - 20;
			}
			if (emit) {
				put_bits(o, tlen[t], tcode[t]);
				if (nb)
					put_bits(o, nb, v);
			} else {
				tfreq[t]++;
			}
			run -= take;
		}
	}
}

/** Code one block of symbols and write it. */
static void put_block(struct bit_out *o, const struct lz_sym *sym, unsigned n)
{
	uint32_t cfreq[NC] = { 0 }, pfreq[NP] = { 0 }, tfreq[NT] = { 0 };
	uint8_t clen[NC], plen[NP], tlen[NT];
	uint16_t ccode[NC], pcode[NP], tcode[NT];
	unsigned i, cused, pused, tused, last = 0, ne, ex;

	for (i = 0; i < n; i++) {
		cfreq[sym[i].c]++;
		if (sym[i].c >= 256)
			pfreq[pos_code(sym[i].dist, &ne, &ex)]++;
	}
	cused = huffman_lengths(cfreq, NC, clen);
	pused = huffman_lengths(pfreq, NP, plen);
	canonical_codes(clen, NC, ccode);
	canonical_codes(plen, NP, pcode);
	for (i = 0; i < NC; i++)
		if (clen[i])
			last = i + 1;
	if (cused >= 2)
		c_lengths(o, clen, last, tfreq, NULL, NULL, 0);
	tused = huffman_lengths(tfreq, NT, tlen);
	canonical_codes(tlen, NT, tcode);

	put_bits(o, 16, n);
	put_pt_lengths(o, tlen, tfreq, NT, TBIT, tused, 3);
	if (cused < 2) {
		put_bits(o, CBIT, 0);
		put_bits(o, CBIT, only_symbol(cfreq, NC));
	} else {
		/* with one Extra symbol, its code is no bits at all */
		put_bits(o, CBIT, last);
		c_lengths(o, clen, last, NULL, tlen, tcode, 1);
	}
	put_pt_lengths(o, plen, pfreq, NP, PBIT, pused, -1);
	for (i = 0; i < n; i++) {
		if (cused >= 2)
			put_bits(o, clen[sym[i].c], ccode[sym[i].c]);
		if (sym[i].c >= 256) {
			unsigned p = pos_code(sym[i].dist, &ne, &ex);

			if (pused >= 2)
				put_bits(o, plen[p], pcode[p]);
			if (ne)
				put_bits(o, ne, ex);
		}
	}
}

/* ---------------------------------------------------------------- LZ77 */

static unsigned hash3(const uint8_t *p)
{
	return ((p[0] << 10) ^ (p[1] << 5) ^ p[2]) & ((1u << HASH_BITS) - 1);
}

/**
 * Compress (see efi_compress.h).
 */
int efi_compress(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
	struct bit_out o = { 0 };
	struct lz_sym *sym;
	int32_t *head, *prev;
	size_t i = 0, k;
	unsigned ns = 0;
	uint8_t hdr[8];

	if (n > UINT32_MAX)
		return -1;
	sym = malloc(BLOCK_SYMBOLS * sizeof(*sym));
	head = malloc(sizeof(*head) << HASH_BITS);
	prev = malloc(sizeof(*prev) * (n ? n : 1));
	if (!sym || !head || !prev)
		goto fail;
	for (k = 0; k < (1u << HASH_BITS); k++)
		head[k] = -1;
	while (i < n) {
		unsigned best = 0, bdist = 0, tries = 0;

		if (i + THRESHOLD <= n) {
			int32_t c = head[hash3(in + i)];

			while (c >= 0 && i - (size_t)c <= WNDSIZ && tries++ < CHAIN_MAX) {
				unsigned l = 0, max = n - i < MAXMATCH ? n - i : MAXMATCH;

				while (l < max && in[c + l] == in[i + l])
					l++;
				if (l > best) {
					best = l;
					bdist = i - c;
					if (l == max)
						break;
				}
				c = prev[c];
			}
		}
		if (best >= THRESHOLD) {
			sym[ns].c = (uint16_t)(256 + best - THRESHOLD);
			sym[ns++].dist = (uint16_t)bdist;
		} else {
			best = 1;
			sym[ns++].c = in[i];
		}
		for (k = 0; k < best; k++, i++)
			if (i + THRESHOLD <= n) {
				unsigned h = hash3(in + i);

				prev[i] = head[h];
				head[h] = (int32_t)i;
			}
		if (ns == BLOCK_SYMBOLS) {
			put_block(&o, sym, ns);
			ns = 0;
		}
	}
	if (ns)
		put_block(&o, sym, ns);
	if (o.nacc)
		put_bits(&o, 8 - o.nacc, 0);	/* to a whole byte */
	if (o.err)
		goto fail;
	*out = malloc(o.len + 8);
	if (!*out)
		goto fail;
	for (k = 0; k < 4; k++) {
		hdr[k] = (uint8_t)(o.len >> (8 * k));
		hdr[4 + k] = (uint8_t)(n >> (8 * k));
	}
	memcpy(*out, hdr, 8);
	if (o.len)
		memcpy(*out + 8, o.buf, o.len);
	*out_len = o.len + 8;
	free(o.buf);
	free(sym);
	free(head);
	free(prev);
	return 0;
fail:
	free(o.buf);
	free(sym);
	free(head);
	free(prev);
	return -1;
}

/* ----------------------------------------------------------- decompress */

struct bit_in {
	const uint8_t *p;
	size_t len, pos;	/* bytes of the stream, next one */
	unsigned bitpos;	/* bits of p[pos] used */
	int err;
};

/** Read @p n bits, most significant first (0s past the end, as the
 * firmware's decoder does; the caller checks the output's size). */
static uint32_t get_bits(struct bit_in *b, unsigned n)
{
	uint32_t v = 0;

	while (n--) {
		unsigned bit = 0;

		if (b->pos < b->len)
			bit = (b->p[b->pos] >> (7 - b->bitpos)) & 1;
		else
			b->err = 1;
		if (++b->bitpos == 8) {
			b->bitpos = 0;
			b->pos++;
		}
		v = v << 1 | bit;
	}
	return v;
}

/**
 * A decoding table of a canonical code: per length, how many codes, the
 * first code, and where its symbols start in the symbols sorted by
 * (length, symbol), the order the codes were given in.
 */
struct code_set {
	unsigned n;
	uint8_t len[NC];
	int single;		/**< >= 0: every symbol is this one, no bits */
	uint32_t count[MAXBITS + 1], first[MAXBITS + 1], offset[MAXBITS + 1];
	uint16_t sorted[NC];
};

/** Check the lengths make one complete code, and index it. */
static int set_codes(struct code_set *s)
{
	uint32_t sum = 0, code = 0, at = 0;
	unsigned i, l;

	memset(s->count, 0, sizeof(s->count));
	for (i = 0; i < s->n; i++) {
		if (s->len[i] > MAXBITS)
			return -1;
		if (s->len[i]) {
			sum += 1u << (MAXBITS - s->len[i]);
			s->count[s->len[i]]++;
		}
	}
	if (sum != 1u << MAXBITS)
		return -1;	/* the firmware refuses it too (BAD_TABLE) */
	for (l = 1; l <= MAXBITS; l++) {
		code = (code + s->count[l - 1]) << 1;
		s->first[l] = code;
		s->offset[l] = at;
		for (i = 0; i < s->n; i++)
			if (s->len[i] == l)
				s->sorted[at++] = (uint16_t)i;
	}
	s->single = -1;
	return 0;
}

/** Decode one symbol. */
static int get_sym(struct bit_in *b, const struct code_set *s)
{
	uint32_t v = 0;
	unsigned l;

	if (s->single >= 0)
		return s->single;
	for (l = 1; l <= MAXBITS; l++) {
		v |= get_bits(b, 1);
		if (v - s->first[l] < s->count[l])
			return s->sorted[s->offset[l] + v - s->first[l]];
		v <<= 1;
	}
	return -1;
}

/** Read the lengths of the Extra or Position set. */
static int get_pt(struct bit_in *b, struct code_set *s, unsigned n,
		  unsigned nbit, int special)
{
	unsigned count = get_bits(b, nbit), i = 0, k;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (count == 0) {
		s->single = (int)get_bits(b, nbit);
		return s->single < (int)n ? 0 : -1;
	}
	if (count > n)
		return -1;
	while (i < count) {
		unsigned l = get_bits(b, 3);

		if (l == 7)
			while (get_bits(b, 1) && !b->err)
				if (++l > MAXBITS)
					return -1;
		s->len[i++] = (uint8_t)l;
		if ((int)i == special)
			for (k = get_bits(b, 2); k-- && i < n;)
				s->len[i++] = 0;
	}
	return set_codes(s);
}

/**
 * Decompress (see efi_compress.h).
 */
int efi_decompress(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
	struct code_set t, c, p;
	struct bit_in b = { 0 };
	uint32_t csize, osize;
	size_t pos = 0;
	uint8_t *dst;
	unsigned k;

	if (n < 8)
		return -1;
	csize = in[0] | in[1] << 8 | in[2] << 16 | (uint32_t)in[3] << 24;
	osize = in[4] | in[5] << 8 | in[6] << 16 | (uint32_t)in[7] << 24;
	if (csize > n - 8 || osize > (256u << 20))
		return -1;
	dst = malloc(osize ? osize : 1);
	if (!dst)
		return -1;
	b.p = in + 8;
	b.len = csize;
	while (pos < osize) {
		unsigned nsym = get_bits(&b, 16), i, cnt;

		if (!nsym || get_pt(&b, &t, NT, TBIT, 3))
			goto bad;
		memset(&c, 0, sizeof(c));
		c.n = NC;
		cnt = get_bits(&b, CBIT);
		if (cnt == 0) {
			c.single = (int)get_bits(&b, CBIT);
			if (c.single >= NC)
				goto bad;
		} else {
			if (cnt > NC)
				goto bad;
			for (i = 0; i < cnt;) {
				int sy = get_sym(&b, &t);
				unsigned run;

				if (sy < 0)
					goto bad;
				if (sy > 2) {
					c.len[i++] = (uint8_t)(sy - 2);
					continue;
				}
				run = sy == 0 ? 1 : sy == 1 ? get_bits(&b, 4) + 3 :
				      get_bits(&b, CBIT) + 20;
				if (run > cnt - i)
					goto bad;
				i += run;
			}
			if (set_codes(&c))
				goto bad;
		}
		if (get_pt(&b, &p, NP, PBIT, -1))
			goto bad;
		for (i = 0; i < nsym && pos < osize; i++) {
			int sy = get_sym(&b, &c);

			if (sy < 0 || b.err)
				goto bad;
			if (sy < 256) {
				dst[pos++] = (uint8_t)sy;
				continue;
			}
			{
				unsigned len = sy - 256 + THRESHOLD;
				int ps = get_sym(&b, &p);
				size_t dist;

				if (ps < 0)
					goto bad;
				dist = ps < 2 ? (size_t)ps : (1u << (ps - 1)) + get_bits(&b, ps - 1);
				dist++;
				if (dist > pos || len > osize - pos)
					goto bad;
				for (k = 0; k < len; k++, pos++)
					dst[pos] = dst[pos - dist];
			}
		}
		if (b.err)
			goto bad;
	}
	*out = dst;
	*out_len = osize;
	return 0;
bad:
	free(dst);
	return -1;
}
