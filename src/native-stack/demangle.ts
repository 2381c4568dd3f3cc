/**
 * C++ function names from their Itanium ABI mangling (`_ZN4node6AssertERKNS_13AssertionInfoE` →
 * `node::Assert(node::AssertionInfo const&)`), written as c++filt writes them, for the names a stack scan
 * finds in an executable's symbol table. It covers what C++ code such as Node's and V8's uses most: nested
 * and template names, constructors, operators, qualified, pointer and reference types, substitutions. A
 * name it does not cover (local names, lambdas, function types, expressions) is undefined: the caller shows
 * the mangled name, never a guess.
 */
export function demangle(mangled: string): string | undefined {
  const clone = /^(_Z[^.]+)((?:\.[A-Za-z_]+(?:\.\d+)?)+)?$/.exec(mangled);
  // Rust's legacy mangling ends in a hash part (`17h0123456789abcdefE`): another language's rules.
  if (!clone?.[1] || /17h[0-9a-f]{16}E$/.test(clone[1])) return undefined;
  try {
    const parser = new Parser(clone[1]);
    const name = parser.encoding();
    if (!parser.done()) return undefined;
    const clones = clone[2] ? clone[2].match(/\.[A-Za-z_]+(?:\.\d+)?/g) : null;
    return clones ? `${name}${clones.map((suffix) => ` [clone ${suffix}]`).join("")}` : name;
  } catch (error) {
    if (error === NOT_COVERED) return undefined;
    throw error;
  }
}

/** Thrown where the name leaves what is covered: one instance, since most names of a table may throw it. */
const NOT_COVERED = new Error("not covered");

const BUILTINS: Readonly<Record<string, string>> = {
  v: "void",
  w: "wchar_t",
  b: "bool",
  c: "char",
  a: "signed char",
  h: "unsigned char",
  s: "short",
  t: "unsigned short",
  i: "int",
  j: "unsigned int",
  l: "long",
  m: "unsigned long",
  x: "long long",
  y: "unsigned long long",
  n: "__int128",
  o: "unsigned __int128",
  f: "float",
  d: "double",
  e: "long double",
  z: "...",
};

const CHAR_TRAITS = "char, std::char_traits<char>";
const STD_ABBREVIATIONS: Readonly<Record<string, string>> = {
  Sa: "std::allocator",
  Sb: "std::basic_string",
  Ss: `std::basic_string<${CHAR_TRAITS}, std::allocator<char> >`,
  Si: `std::basic_istream<${CHAR_TRAITS}> >`.replace("> >", " >"),
  So: `std::basic_ostream<${CHAR_TRAITS}> >`.replace("> >", " >"),
  Sd: `std::basic_iostream<${CHAR_TRAITS}> >`.replace("> >", " >"),
};

const OPERATORS: Readonly<Record<string, string>> = {
  nw: "new",
  na: "new[]",
  dl: "delete",
  da: "delete[]",
  ps: "+",
  ng: "-",
  ad: "&",
  de: "*",
  co: "~",
  pl: "+",
  mi: "-",
  ml: "*",
  dv: "/",
  rm: "%",
  an: "&",
  or: "|",
  eo: "^",
  aS: "=",
  pL: "+=",
  mI: "-=",
  mL: "*=",
  dV: "/=",
  rM: "%=",
  aN: "&=",
  oR: "|=",
  eO: "^=",
  ls: "<<",
  rs: ">>",
  lS: "<<=",
  rS: ">>=",
  eq: "==",
  ne: "!=",
  lt: "<",
  gt: ">",
  le: "<=",
  ge: ">=",
  ss: "<=>",
  nt: "!",
  aa: "&&",
  oo: "||",
  pp: "++",
  mm: "--",
  cm: ",",
  pm: "->*",
  pt: "->",
  cl: "()",
  ix: "[]",
};

/** A name as parsed: its text, and what c++filt's rules need to know about its last part. */
interface Name {
  text: string;
  /** The name ends in template arguments (a function template's encoding then starts with its return type). */
  template: boolean;
  /** The last part is a constructor, destructor or conversion operator: no return type even if a template. */
  special: boolean;
  /** CV-qualifiers of a member function (`N K … E`): written after its parameters. */
  qualifiers: string;
}

class Parser {
  private at = 2;
  /** Substitution candidates, in the ABI's order: S_, S0_, S1_ … */
  private readonly substitutions: string[] = [];
  /** The template arguments of the function being demangled, which T_ refers to. */
  private templateArgs: string[] = [];

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at === this.text.length;
  }

  encoding(): string {
    const name = this.name();
    if (this.done()) return name.text;
    const returns = name.template && !name.special ? `${this.type()} ` : "";
    const parameters: string[] = [];
    while (!this.done()) parameters.push(this.type());
    const list = parameters.length === 1 && parameters[0] === "void" ? "" : parameters.join(", ");
    return `${returns}${name.text}(${list})${name.qualifiers}`;
  }

  private peek(length = 1): string {
    return this.text.slice(this.at, this.at + length);
  }

  private take(expected: string): boolean {
    if (!this.text.startsWith(expected, this.at)) return false;
    this.at += expected.length;
    return true;
  }

  private name(): Name {
    if (this.peek() === "N") return this.nestedName(true);
    if (this.peek() === "Z") throw NOT_COVERED;
    let text: string;
    if (this.take("St")) text = `std::${this.unqualifiedName().text}`;
    else if (this.peek() === "S") {
      text = this.substitution();
      if (this.peek() !== "I") throw NOT_COVERED;
    } else text = this.unqualifiedName().text;
    if (this.peek() === "I") {
      this.substitutions.push(text);
      const args = this.templateArgs_();
      this.templateArgs = args;
      return { text: withTemplateArgs(text, args), template: true, special: false, qualifiers: "" };
    }
    return { text, template: false, special: false, qualifiers: "" };
  }

  /**
   * `N [qualifiers] prefix… E`. Each prefix is a substitution candidate as the name grows; the whole name is
   * one only as a type (type() adds it). `ofFunction`: template arguments here are what T_ refers to.
   */
  private nestedName(ofFunction = false): Name {
    this.at++;
    let qualifiers = "";
    while (this.peek() !== "" && "rVK".includes(this.peek())) {
      const code = this.peek();
      this.at++;
      qualifiers = `${{ r: " restrict", V: " volatile", K: " const" }[code]}${qualifiers}`;
    }
    if (this.take("R")) qualifiers += " &";
    else if (this.take("O")) qualifiers += " &&";
    let name = "";
    /** The last component without template arguments: what a constructor or destructor is named after. */
    let plain = "";
    let candidate = false;
    let last = { text: "", special: false };
    let template = false;
    while (!this.take("E")) {
      if (this.done()) throw NOT_COVERED;
      if (candidate) this.substitutions.push(name);
      candidate = true;
      template = false;
      if (this.peek() === "I") {
        if (name === "") throw NOT_COVERED;
        const args = this.templateArgs_();
        if (ofFunction) this.templateArgs = args;
        name = withTemplateArgs(name, args);
        template = true;
      } else if (name === "" && this.take("St")) {
        last = this.unqualifiedName();
        name = `std::${last.text}`;
        plain = last.text;
      } else if (name === "" && this.peek() === "S") {
        name = this.substitution();
        plain = lastComponent(name);
        candidate = false;
      } else if (name === "" && this.peek() === "T") {
        name = this.templateParam();
        plain = lastComponent(name);
      } else {
        last = this.unqualifiedName(plain);
        name = name === "" ? last.text : `${name}::${last.text}`;
        plain = last.text;
      }
    }
    return { text: name, template, special: last.special, qualifiers };
  }

  /** A source name, a constructor or destructor (named after the class `bare`), or an operator. */
  private unqualifiedName(bare?: string): { text: string; special: boolean } {
    const code = this.peek();
    if (code === "L") this.at++;
    if (/[0-9]/.test(this.peek())) return { text: this.sourceName(), special: false };
    const two = this.peek(2);
    if (/^C[123]$/.test(two) && bare) {
      this.at += 2;
      return { text: bare, special: true };
    }
    if (/^D[012]$/.test(two) && bare) {
      this.at += 2;
      return { text: `~${bare}`, special: true };
    }
    if (two === "cv") {
      this.at += 2;
      return { text: `operator ${this.type()}`, special: true };
    }
    const operator = OPERATORS[two];
    if (operator) {
      this.at += 2;
      const spaced = /^[a-z]/.test(operator) ? ` ${operator}` : operator;
      return { text: `operator${spaced}`, special: false };
    }
    throw NOT_COVERED;
  }

  private sourceName(): string {
    const digits = /^\d+/.exec(this.text.slice(this.at))?.[0] ?? "";
    const length = Number(digits);
    this.at += digits.length;
    if (length <= 0 || this.at + length > this.text.length) throw NOT_COVERED;
    const name = this.text.slice(this.at, this.at + length);
    this.at += length;
    if (name.startsWith("_GLOBAL__N")) return "(anonymous namespace)";
    this.abiTags();
    return name;
  }

  /** ABI tags (`B5cxx11`): not covered. */
  private abiTags(): void {
    if (this.peek() === "B") throw NOT_COVERED;
  }

  private substitution(): string {
    const abbreviation = STD_ABBREVIATIONS[this.peek(2)];
    if (abbreviation) {
      this.at += 2;
      return abbreviation;
    }
    return this.numbered("S", this.substitutions);
  }

  private templateParam(): string {
    return this.numbered("T", this.templateArgs);
  }

  /** `S_`, `S0_`, `S1_` … (and `T_` …): the first, then base-36 numbers from the second on. */
  private numbered(letter: "S" | "T", table: readonly string[]): string {
    const match = new RegExp(`^${letter}([0-9A-Z]*)_`).exec(this.text.slice(this.at));
    if (!match) throw NOT_COVERED;
    this.at += match[0].length;
    const found = table[match[1] === "" ? 0 : Number.parseInt(match[1] ?? "", 36) + 1];
    if (found === undefined) throw NOT_COVERED;
    return found;
  }

  private templateArgs_(): string[] {
    this.at++;
    const args: string[] = [];
    while (!this.take("E")) {
      if (this.done()) throw NOT_COVERED;
      if (this.peek() === "L") args.push(this.literal());
      else if ("XJ".includes(this.peek())) throw NOT_COVERED;
      else args.push(this.type());
    }
    return args;
  }

  private literal(): string {
    this.at++;
    const match = /^([bijlmstchx])(n?\d+)E/.exec(this.text.slice(this.at));
    if (!match) throw NOT_COVERED;
    this.at += match[0].length;
    const [, code, digits = ""] = match;
    const value = digits.replace(/^n/, "-");
    if (code === "b") return value === "0" ? "false" : "true";
    const suffix = { j: "u", l: "l", m: "ul", x: "ll", y: "ull" }[code as string] ?? "";
    if (code === "i") return value;
    if (suffix) return `${value}${suffix}`;
    return `(${BUILTINS[code as string]})${value}`;
  }

  private type(): string {
    const code = this.peek();
    const builtin = BUILTINS[code];
    if (builtin) {
      this.at++;
      return builtin;
    }
    if (this.take("Dn")) return "decltype(nullptr)";
    if ("KVr".includes(code) && code !== "") {
      this.at++;
      const inner = this.type();
      const word = { K: "const", V: "volatile", r: "restrict" }[code];
      // A qualifier the type (a template argument) already has is not written twice.
      const qualified = inner.endsWith(` ${word}`) ? inner : `${inner} ${word}`;
      this.substitutions.push(qualified);
      return qualified;
    }
    if ("PRO".includes(code) && code !== "") {
      this.at++;
      const inner = this.type();
      const pointer = code === "P" ? `${inner}*` : collapsed(inner, code === "R" ? "&" : "&&");
      this.substitutions.push(pointer);
      return pointer;
    }
    if (code === "N") {
      const name = this.nestedName();
      if (name.qualifiers) throw NOT_COVERED;
      this.substitutions.push(name.text);
      return name.text;
    }
    if (code === "T") {
      const param = this.templateParam();
      this.substitutions.push(param);
      return this.maybeTemplate(param);
    }
    if (code === "S") {
      if (this.take("St")) {
        const name = `std::${this.unqualifiedName().text}`;
        this.substitutions.push(name);
        return this.maybeTemplate(name);
      }
      const found = this.substitution();
      return this.peek() === "I" ? this.withArgs(found) : found;
    }
    if (/[0-9]/.test(code)) {
      const name = this.sourceName();
      this.substitutions.push(name);
      return this.maybeTemplate(name);
    }
    throw NOT_COVERED;
  }

  /** A type name followed by template arguments is a template-id, itself a candidate. */
  private maybeTemplate(name: string): string {
    return this.peek() === "I" ? this.withArgs(name) : name;
  }

  private withArgs(name: string): string {
    const saved = this.templateArgs;
    const args = this.templateArgs_();
    this.templateArgs = saved;
    const id = withTemplateArgs(name, args);
    this.substitutions.push(id);
    return id;
  }
}

/**
 * A template-id as c++filt writes it: a space between two closing brackets, and after an operator that
 * ends in `<` (`operator<< <char>`).
 */
function withTemplateArgs(name: string, args: readonly string[]): string {
  const joined = args.join(", ");
  return `${name}${name.endsWith("<") ? " " : ""}<${joined}${joined.endsWith(">") ? " " : ""}>`;
}

/** The last `::` component of a name, without its template arguments. */
function lastComponent(name: string): string {
  let depth = 0;
  let end = name.length;
  for (let index = name.length - 1; index >= 0; index--) {
    const char = name[index];
    if (char === ">") depth++;
    else if (char === "<" && --depth === 0) end = index;
    else if (depth === 0 && char === ":" && name[index - 1] === ":") return name.slice(index + 1, end);
  }
  return name.slice(0, end);
}

/** A reference to a reference collapses as in C++: `&` wins, `&&` to `&&` stays `&&`. */
function collapsed(inner: string, reference: "&" | "&&"): string {
  if (inner.endsWith("&&")) return reference === "&" ? `${inner.slice(0, -2)}&` : inner;
  if (inner.endsWith("&")) return inner;
  return `${inner}${reference}`;
}
